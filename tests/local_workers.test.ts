/**
 * `local[n]` with `StreamingContext.fromModule`: the map side of keyed steps runs on
 * worker threads, and gives what one thread gives. Each pipeline (tests/_local_workers_job.ts)
 * runs on the same batches on workers (`local[2]`, every batch large enough), on the
 * driver after its worker died, below `minBatchRecords` (one pass, as `local[1]`), and
 * with `local[1]`.
 */
import t from "tap";
import { Seconds, StreamingContext } from "../mod.ts";
import { built, type JobArgs, type Shape } from "./_local_workers_job.ts";
import { bin, run } from "./_examples.ts";
import { dropFile, tempDir } from "./_io.ts";

const JOB = new URL("./_local_workers_job.ts", import.meta.url);

/** Deterministic lines of words from a small vocabulary (so keys repeat across partitions). */
const lines = (n: number, seed: number): string[] =>
  Array.from({ length: n }, (_, i) => {
    const a = (i * 7 + seed) % 53;
    const b = (i * 13 + seed * 3) % 97;
    return `w${a} word${b} x${(a * b) % 11} the ${i % 5 === 0 ? "rare" + (i % 17) : "and"}`;
  });

interface Outcome {
  readonly results: Map<string, Array<ReadonlyArray<ReadonlyArray<unknown>>>>;
  /** Per batch: partitions each keyed node ran on workers. */
  readonly onWorkers: Array<Record<string, number>>;
  readonly error: string | undefined;
  readonly log: ReadonlyArray<string>;
}

const runShape = async (
  shape: Shape,
  master: string,
  minBatchRecords: number,
  batches: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>,
  more: Partial<JobArgs> = {},
): Promise<Outcome> => {
  const ssc = await StreamingContext.fromModule(JOB, "createContext", { args: [{ master, shape, ...more }], minBatchRecords, adaptive: false });
  const job = built!;
  batches.forEach((perInput) => perInput.forEach((batch, i) => job.inputs[i]!.enqueue(batch)));
  const onWorkers: Array<Record<string, number>> = [];
  ssc.addStreamingListener({
    onBatchCompleted: ({ batchInfo }) => {
      const counts: Record<string, number> = {};
      for (const [name, metrics] of batchInfo.metrics) if (metrics["partitionsOnWorkers"] !== undefined) counts[name] = metrics["partitionsOnWorkers"];
      onWorkers.push(counts);
    },
  });
  let error: string | undefined;
  const ended = ssc.awaitTermination().catch((e: unknown) => void (error = (e as Error).message));
  ssc.start();
  // A batch at a time: each is over before the next is planned.
  for (let b = 0; b < batches.length; b++) await job.clock.advance(Seconds(1));
  await ssc.stop();
  await ended;
  return { results: job.results, onWorkers, error, log: job.log };
};

/** A batch's records, partitions flattened and sorted: what local[1] and local[2] share (their partitioning differs). */
const sortedRecords = (outcome: Outcome, output: string): string[][] =>
  outcome.results.get(output)!.map((parts) => parts.flat().map((r) => JSON.stringify(r)).sort());

const twoBatches = [[lines(600, 1)], [lines(900, 2)]];
/** Every line of the first batch holds the word a dying worker exits on. */
const EXIT_WORD = "crash";
const threeBatches = [[lines(600, 1).map((l) => `${l} ${EXIT_WORD}`)], [lines(900, 2)], [lines(700, 3)]];

for (const [shape, output] of [
  ["wordcount", "counts"],
  ["filtered", "sums"],
  ["combine", "byLength"],
] as const) {
  t.test(`${shape}: below minBatchRecords, a batch is computed as one thread computes it`, async (t) => {
    const small = await runShape(shape, "local[2]", Number.MAX_SAFE_INTEGER, twoBatches);
    const one = await runShape(shape, "local[1]", 0, twoBatches);
    t.equal(small.error, undefined);
    t.equal(small.results.get(output)!.length, 2);
    // Exactly: float sums too, since the records meet in the order local[1] meets them.
    t.strictSame(sortedRecords(small, output), sortedRecords(one, output), "local[1]'s results");
    t.ok(small.onWorkers.every((b) => Object.values(b).every((n) => n === 0)), "below minBatchRecords, no partition ran on a worker");
  });

  t.test(`${shape}: workers give what the driver gives partition by partition, after a worker dies too`, async (t) => {
    const workers = await runShape(shape, "local[2]", 0, threeBatches);
    const dying = await runShape(shape, "local[2]", 0, threeBatches, { workerExitsOn: EXIT_WORD });
    t.equal(workers.error, undefined);
    t.equal(dying.error, undefined);
    t.equal(workers.results.get(output)!.length, 3);
    t.strictSame(dying.results.get(output), workers.results.get(output), "the same partitions, to the last bit of a float");
    t.ok(workers.onWorkers.every((b) => Object.values(b).every((n) => n === 1)), "one of two partitions ran on the worker");
    t.ok(dying.log.some((line) => /Worker thread 1 running .* stopped \(exit code 1\): its partitions run on the driver thread from now on/.test(line)), "the lost worker is logged");
    t.ok(dying.onWorkers.slice(1).every((b) => Object.values(b).every((n) => n === 0)), "after it, every partition ran on the driver");
    if (shape === "wordcount") {
      const one = await runShape(shape, "local[1]", 0, threeBatches);
      t.strictSame(sortedRecords(workers, output), sortedRecords(one, output), "local[1] counts the same");
    }
  });
}

t.test("union of two inputs: the workers get each input's partitions", async (t) => {
  const batches = [[lines(500, 3), lines(300, 4)], [lines(200, 5), lines(700, 6)]];
  const workers = await runShape("union", "local[2]", 0, batches);
  const alone = await runShape("union", "local[2]", Number.MAX_SAFE_INTEGER, batches);
  const one = await runShape("union", "local[1]", 0, batches);
  t.strictSame(workers.results.get("counts"), alone.results.get("counts"));
  t.strictSame(sortedRecords(workers, "counts"), sortedRecords(one, "counts"));
  // Each input has 2 partitions; the union's 4 are split by records: 250|250 ‖ 150|150, then 100|100|350 ‖ 350.
  t.strictSame(workers.onWorkers.map((b) => Object.values(b)), [[2], [1]]);
});

t.test("a step that cannot run on workers stays on the driver, next to one that does", async (t) => {
  const workers = await runShape("mixed", "local[2]", 0, twoBatches);
  const one = await runShape("mixed", "local[1]", 0, twoBatches);
  const alone = await runShape("mixed", "local[2]", Number.MAX_SAFE_INTEGER, twoBatches);
  t.strictSame(workers.results, alone.results);
  t.strictSame(sortedRecords(workers, "counts"), sortedRecords(one, "counts"));
  t.strictSame(sortedRecords(workers, "repartitioned"), sortedRecords(one, "repartitioned"));
  // Only the first reduceByKey reports work on workers.
  t.strictSame(workers.onWorkers.map((b) => Object.keys(b)), [["reduceByKey-3"], ["reduceByKey-3"]]);
});

t.test("a user function that throws on a worker fails the batch with the error one thread gives", async (t) => {
  const batches = [[lines(400, 7)], [[...lines(400, 8), "a boom b"]], [lines(400, 9)]];
  const workers = await runShape("throwing", "local[2]", 0, batches);
  const one = await runShape("throwing", "local[1]", 0, batches);
  t.match(workers.error, /^Error running job foreachRDD \(output 0\) at time 2000 ms: map-2 failed: RangeError: no boom allowed$/);
  t.equal(workers.error, one.error);
  // The batches before and after it are still counted.
  t.equal(workers.results.get("counts")!.length, 2);
  t.strictSame(sortedRecords(workers, "counts"), sortedRecords(one, "counts"));
});

t.test("recovery from a checkpoint (fromModule's checkpoint option) works with workers", async (t) => {
  const START = 100_000;
  const watched = tempDir("dstreams-watched-");
  const staging = tempDir("dstreams-staging-");
  const checkpoints = tempDir("dstreams-ckpt-");
  t.teardown(() => {
    watched.cleanup();
    staging.cleanup();
    checkpoints.cleanup();
  });
  const drop = (name: string, content: string, modTime: number) => dropFile(staging.dir, watched.dir, name, content, modTime);
  const start = async (startTime: number) => {
    const args = [{ master: "local[2]", shape: "files", directory: watched.dir, startTime }];
    const ssc = await StreamingContext.fromModule(JOB, "createContext", { args, checkpoint: checkpoints.dir, minBatchRecords: 0, adaptive: false });
    const job = built!;
    const onWorkers: number[] = [];
    ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void onWorkers.push(batchInfo.metrics.get("reduceByKey-3")?.["partitionsOnWorkers"] ?? 0) });
    ssc.start();
    return { ssc, job, onWorkers };
  };
  const first = await start(START);
  // Two files in one batch: two partitions, one of them on the worker.
  drop("a.txt", "x y\nx\n", START + 200);
  drop("b.txt", "y z\n", START + 300);
  await first.job.clock.advance(Seconds(1));
  drop("c.txt", "x\n", START + 1500);
  await first.job.clock.advance(Seconds(1));
  await first.ssc.stop();
  // While it is down.
  drop("d.txt", "z z\n", START + 2500);
  drop("e.txt", "x\n", START + 2600);

  const second = await start(START + 3000);
  await second.job.clock.advance(Seconds(1));
  await second.ssc.stop();
  const running = second.job.results.get("running")!;
  t.strictSame(running.at(-1)!.flat().map((r) => JSON.stringify(r)).sort(), ['["x",4]', '["y",2]', '["z",3]'], "the running counts went on from the checkpoint");
  t.equal(first.onWorkers[0], 1, "the first batch's second file ran on the worker");
  t.ok(second.onWorkers.includes(1), "after recovery too");
});

t.test("fromModule's errors say what is wrong", async (t) => {
  await t.rejects(StreamingContext.fromModule(JOB, "noSuchFunction"), /has no exported function "noSuchFunction" \(its exported functions: createContext\)/);
  await t.rejects(StreamingContext.fromModule("relative/job.ts"), /needs the module's URL or absolute path/);
  await t.rejects(
    StreamingContext.fromModule(JOB, "createContext", { args: [{ master: "local[2]", shape: "wordcount" }], minBatchRecords: -1 }),
    /minBatchRecords must be a whole number/,
  );
});

t.test("stop() ends the worker threads: a program using them exits by itself", async (t) => {
  const deno = (globalThis as { Deno?: unknown }).Deno !== undefined;
  const example = "examples/wordcount_local_cores.ts";
  const args = ["--batches=2", "--lines=30000"];
  const result = deno ? await run(bin("deno"), ["run", "-A", example, ...args]) : await run(bin("tsx"), [example, ...args]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /on 2 threads/);
});
