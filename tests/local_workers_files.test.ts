/**
 * `local[n]` on text files: a worker thread is sent a file's text (split on the worker,
 * not on the driver) when its lines end with `\n` alone, and the word count gives what
 * the driver alone and `local[1]` give, batch by batch, whatever the files' line ends,
 * byte-order marks and characters.
 */
import t, { type Test } from "tap";
import { Buffer } from "node:buffer";
import { Seconds, StreamingContext } from "../mod.ts";
import { Time } from "../lib/time/duration.ts";
import { built, createContext } from "./_local_workers_files_job.ts";
import { dropFile, tempDir } from "./_io.ts";
import { partitionsOnWorkers, sortedCounts } from "./_word_count_job.ts";

const JOB = new URL("./_local_workers_files_job.ts", import.meta.url);

/** Lines of words from a small vocabulary (keys repeat across files). */
const lines = (n: number, seed: number): string[] =>
  Array.from({ length: n }, (_, i) => `w${(i * 7 + seed) % 41} word${(i * 11 + seed * 5) % 89} the ${i % 3 === 0 ? "and" : `x${i % 7}`}`);

/** Per batch, its files: names and contents. */
const batches: ReadonlyArray<ReadonlyArray<readonly [string, string | Uint8Array]>> = [
  [
    ["a.txt", `${lines(400, 1).join("\n")}\n`],
    ["b.txt", `\uFEFF${lines(300, 2).join("\r\n")}`],
    ["c.txt", `${lines(500, 3).join("\n")}\ncafé naïve 日本語\n`],
    ["d.txt", Buffer.concat([Buffer.from(`${lines(200, 4).join("\n")}\n`), Buffer.from([0x6f, 0x6b, 0xff, 0x0a])])],
  ],
  [
    ["e.txt", lines(350, 5).join("\n")],
    ["f.txt", `${lines(600, 6).join("\r")}\r`],
    ["g.txt", "\n\n"],
  ],
];

type Way = "workers" | "alone" | "plain";

const runFiles = async (t: Test, master: string, way: Way) => {
  const watched = tempDir("dstreams-watched-");
  const staging = tempDir("dstreams-staging-");
  t.teardown(() => {
    watched.cleanup();
    staging.cleanup();
  });
  const ssc = way === "plain"
    ? createContext(master, watched.dir)
    : await StreamingContext.fromModule(JOB, "createContext", { args: [master, watched.dir], minBatchRecords: way === "workers" ? 0 : Number.MAX_SAFE_INTEGER, adaptive: false });
  const job = built!;
  const onWorkers = partitionsOnWorkers(ssc);
  const ended = ssc.awaitTermination();
  ssc.start();
  for (const [b, files] of batches.entries()) {
    for (const [name, content] of files) dropFile(staging.dir, watched.dir, name, content, b * 1000 + 500);
    await job.clock.advance(Seconds(1));
  }
  await ssc.stop();
  await ended;
  return { batches: job.batches, onWorkers };
};

t.test("a text file stream's word count: the workers split their files' text and give what the driver alone and local[1] give", async (t) => {
  const workers = await runFiles(t, "local[2]", "workers");
  const alone = await runFiles(t, "local[2]", "alone");
  const one = await runFiles(t, "local[1]", "plain");
  t.equal(workers.batches.length, 2);
  t.strictSame(workers.batches, alone.batches, "partition by partition, the same counts");
  t.strictSame(workers.batches.map(sortedCounts), one.batches.map(sortedCounts), "local[1] counts the same");
  t.ok(workers.batches[0]!.flat().some(([word]) => word === "ok\uFFFD"), "invalid UTF-8 replaced, as on the driver");
  t.ok(workers.batches[0]!.flat().some(([word]) => word === "日本語"), "UTF-8 decoded");
  t.notOk(workers.batches[0]!.flat().some(([word]) => word.includes("\uFEFF") || word.includes("\r")), "no byte-order mark or \\r left in a word");
  t.ok(workers.onWorkers.length === 2 && workers.onWorkers.every((n) => n > 0), `partitions ran on the worker (${workers.onWorkers.join(", ")})`);
  t.ok(alone.onWorkers.every((n) => n === 0), "below minBatchRecords, none did");
});

t.test("a text file goes to a worker as its text when its lines end with \\n alone, else as its lines", async (t) => {
  const watched = tempDir("dstreams-watched-");
  const staging = tempDir("dstreams-staging-");
  t.teardown(() => {
    watched.cleanup();
    staging.cleanup();
  });
  const ssc = createContext("local[2]", watched.dir);
  const job = built!;
  ssc.start();
  dropFile(staging.dir, watched.dir, "a.txt", "\uFEFFa b\nc d\n", 500);
  dropFile(staging.dir, watched.dir, "b.txt", "e\r\nf\r\ng", 500);
  dropFile(staging.dir, watched.dir, "c.txt", "h i", 500);
  await job.clock.advance(Seconds(1));
  const input = job.lines as unknown as { shippedPartitions(time: Time): ReadonlyArray<{ count: number; pieces: ReadonlyArray<unknown> }> };
  const shipped = input.shippedPartitions(new Time(1000));
  t.strictSame(shipped.map((p) => p.count), [2, 3, 1], "one partition per file, with its line count");
  t.strictSame(shipped.map((p) => p.pieces), [["a b\nc d"], [["e", "f", "g"]], [["h i"]]], "the text unsplit (its mark dropped), else the lines");
  await ssc.stop();
});
