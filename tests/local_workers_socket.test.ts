/**
 * `local[n]` on a socket's lines: a worker thread is sent its blocks as the text the
 * receiver stored (split on the worker, not on the driver), and the word count gives
 * what the driver alone and `local[1]` give, batch by batch.
 */
import t, { type Test } from "tap";
import type { Socket } from "node:net";
import { Milliseconds, StreamingContext } from "../mod.ts";
import { Time } from "../lib/time/duration.ts";
import { built, createContext } from "./_local_workers_socket_job.ts";
import { listen, trackedServer, until } from "./_io.ts";
import { partitionsOnWorkers, sortedCounts } from "./_word_count_job.ts";

const JOB = new URL("./_local_workers_socket_job.ts", import.meta.url);

/** Lines of words from a small vocabulary (keys repeat across blocks), some of them long enough to span socket reads. */
const lines = (n: number, seed: number): string[] =>
  Array.from({ length: n }, (_, i) => {
    const a = (i * 7 + seed) % 41;
    const b = (i * 11 + seed * 5) % 89;
    return i % 97 === 0 ? `long${a} ${"pad ".repeat(3000)}end${b}` : `w${a} word${b} the ${i % 3 === 0 ? "and" : `x${a % 7}`}`;
  });

/** Per batch, per 250 ms block: the lines the test sends. */
const batches = [
  [lines(400, 1), lines(300, 2), lines(500, 3), lines(200, 4)],
  [lines(350, 5), [], lines(600, 6), lines(150, 7)],
];

interface Outcome {
  readonly batches: ReadonlyArray<ReadonlyArray<ReadonlyArray<readonly [string, number]>>>;
  readonly onWorkers: number[];
}

const runSocket = async (t: Test, master: string, way: "workers" | "alone" | "plain"): Promise<Outcome> => {
  let client: Socket | undefined;
  const { server, kill } = trackedServer((socket) => (client = socket));
  const port = await listen(server);
  t.teardown(kill);
  const ssc = way === "plain"
    ? createContext(master, port)
    : await StreamingContext.fromModule(JOB, "createContext", { args: [master, port], minBatchRecords: way === "workers" ? 0 : Number.MAX_SAFE_INTEGER, adaptive: false });
  const job = built!;
  const onWorkers = partitionsOnWorkers(ssc);
  const ended = ssc.awaitTermination();
  ssc.start();
  await until(() => client !== undefined, "the receiver to connect");
  for (const blocks of batches) {
    for (const block of blocks) {
      const target = job.lines.receivedRecords + block.length;
      if (block.length > 0) client!.write(`${block.join("\n")}\n`);
      await until(() => job.lines.receivedRecords >= target, `the receiver to store ${target} lines`);
      await job.clock.advance(Milliseconds(250));
    }
  }
  await ssc.stop();
  await ended;
  await kill();
  return { batches: job.batches, onWorkers };
};

t.test("a socket's word count: the workers split their blocks' text and give what the driver alone and local[1] give", async (t) => {
  const workers = await runSocket(t, "local[2]", "workers");
  const alone = await runSocket(t, "local[2]", "alone");
  const one = await runSocket(t, "local[1]", "plain");
  t.equal(workers.batches.length, 2);
  t.strictSame(workers.batches, alone.batches, "partition by partition, the same counts");
  t.strictSame(workers.batches.map(sortedCounts), one.batches.map(sortedCounts), "local[1] counts the same");
  const expected = batches.map((blocks) => blocks.flat().reduce((n, line) => n + line.split(" ").length, 0));
  t.strictSame(workers.batches.map((b) => b.flat().reduce((n, [, c]) => n + c, 0)), expected, "every word counted once");
  t.ok(workers.onWorkers.length === 2 && workers.onWorkers.every((n) => n > 0), `partitions ran on the worker (${workers.onWorkers.join(", ")})`);
  t.ok(alone.onWorkers.every((n) => n === 0), "below minBatchRecords, none did");
});

t.test("a socket batch's blocks go to a worker as the text received, not as lines", async (t) => {
  let client: Socket | undefined;
  const { server, kill } = trackedServer((socket) => (client = socket));
  const port = await listen(server);
  t.teardown(kill);
  const ssc = createContext("local[2]", port);
  const job = built!;
  ssc.start();
  await until(() => client !== undefined, "the receiver to connect");
  client!.write("a b\nc d\n");
  await until(() => job.lines.receivedRecords === 2, "two lines");
  await job.clock.advance(Milliseconds(250));
  client!.write("e\n");
  await until(() => job.lines.receivedRecords === 3, "three lines");
  await job.clock.advance(Milliseconds(750));
  const input = job.lines as unknown as { shippedPartitions(time: unknown): ReadonlyArray<{ count: number; pieces: ReadonlyArray<unknown> }> };
  const shipped = input.shippedPartitions(new Time(1000));
  t.strictSame(shipped.map((p) => p.count), [2, 1], "one partition per block, with its count");
  t.strictSame(shipped.map((p) => p.pieces), [["a b\nc d"], ["e"]], "each block's text, unsplit");
  await ssc.stop();
});
