/**
 * Code changes across a recovery, which Spark cannot survive: v1 checkpoints; v2 adds an
 * upstream filter and a new stateful stream, and finds the old state; v3 removes the
 * stateful stream and is refused with a typed error naming it and the ways out; with
 * `discardState` it recovers. A changed window is refused the same way.
 */
import t from "tap";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkpoint,
  CheckpointMismatchError,
  type DStream,
  filter,
  flatMap,
  foreachRDD,
  ManualClock,
  map,
  named,
  type Option,
  pipe,
  reduceByKeyAndWindow,
  Seconds,
  some,
  SparkContext,
  StreamingContext,
  updateStateByKey,
} from "../mod.ts";
import { ScriptedInput } from "./_scripted_input.ts";

const SCRIPT = [["a b"], ["a"], ["b c"], ["a"], ["c"], ["a b c"]];
const sum = (values: ReadonlyArray<number>, state: Option<number>): Option<number> =>
  some(values.reduce((a, b) => a + b, state._tag === "Some" ? state.value : 0));

const words = (ssc: StreamingContext): DStream<string> =>
  pipe(new ScriptedInput(ssc, "words", SCRIPT), flatMap((line: string) => line.split(" ")));

type Version = (ssc: StreamingContext, out: Array<ReadonlyArray<unknown>>) => void;

const v1: Version = (ssc, out) =>
  void pipe(words(ssc), map((w: string) => [w, 1] as const), updateStateByKey(sum), checkpoint(Seconds(1)), foreachRDD((rdd) => void out.push([...rdd.collect()].sort())));

const v2: Version = (ssc, out) => {
  const kept = pipe(words(ssc), filter((w: string) => w !== "zzz"), map((w: string) => [w, 1] as const));
  pipe(kept, updateStateByKey(sum), checkpoint(Seconds(1)), foreachRDD((rdd) => void out.push([...rdd.collect()].sort())));
  pipe(kept, map(([w]) => [w.length, 1] as const), updateStateByKey(sum), named("lengths"), foreachRDD(() => {}));
};

const v3: Version = (ssc, out) => void pipe(words(ssc), foreachRDD((rdd) => void out.push(rdd.collect())));

const run = async (directory: string, version: Version, from: number, batches: number, log: string[] = [], options = {}) => {
  const out: Array<ReadonlyArray<unknown>> = [];
  const clock = new ManualClock(from * 1000);
  const ssc = await StreamingContext.getOrCreate(directory, () => {
    const ssc = new StreamingContext(new SparkContext({ appName: "v", log: (line) => log.push(line) }), Seconds(1), { clock });
    version(ssc, out);
    return ssc;
  }, options);
  ssc.start();
  await clock.advance(Seconds(batches));
  await ssc.stop();
  return out;
};

const tempCheckpoints = async (t: { teardown(f: () => Promise<void>): void }) => {
  const directory = await mkdtemp(join(tmpdir(), "dstreams-code-change-"));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  return directory;
};

t.test("v2 adds an upstream filter and a new stateful stream: the old state is found, the new one starts empty (logged)", async (t) => {
  const directory = await tempCheckpoints(t);
  await run(directory, v1, 0, 3);
  const log: string[] = [];
  const out = await run(directory, v2, 3, 3, log);
  t.same(out.at(-1), [["a", 4], ["b", 3], ["c", 3]], "counts over all six batches: the state of v1 went on");
  t.match(log.join("\n"), /lengths is not in the checkpoint .*: it starts empty/);
});

t.test("v3 removes the stateful stream: a CheckpointMismatchError names it and the ways out; discardState recovers", async (t) => {
  const directory = await tempCheckpoints(t);
  await run(directory, v1, 0, 3);
  const error = await run(directory, v3, 3, 3).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof CheckpointMismatchError, "a typed error");
  const mismatch = error as CheckpointMismatchError;
  t.same(mismatch.refusals.map((r) => [r.name, r.rule]), [["updateStateByKey(scripted(words))", "state-without-node"]]);
  t.match(mismatch.message, /named\("updateStateByKey\(scripted\(words\)\)"\).*discardState: \["updateStateByKey\(scripted\(words\)\)"\]/s);
  const out = await run(directory, v3, 3, 3, [], { discardState: ["updateStateByKey(scripted(words))"] });
  t.same(out, [["a"], ["c"], ["a", "b", "c"]], "recovered, without the state");
});

t.test("a changed window length is refused unless a migration says how", async (t) => {
  const directory = await tempCheckpoints(t);
  const windowed = (length: number): Version => (ssc, out) =>
    void pipe(
      words(ssc),
      map((w: string) => [w, 1] as const),
      reduceByKeyAndWindow((a: number, b: number) => a + b, (a: number, b: number) => a - b, Seconds(length), Seconds(1)),
      named("recent"),
      foreachRDD((rdd) => void out.push([...rdd.collect()].sort())),
    );
  await run(directory, windowed(2), 0, 3);
  const error = await run(directory, windowed(3), 3, 1).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof CheckpointMismatchError);
  t.match((error as Error).message, /recent: the window changed from length 2000 ms, slide 1000 ms to length 3000 ms/);
  const out = await run(directory, windowed(3), 3, 1, [], { migrateWindows: ["recent"] });
  t.equal(out.length, 1, "accepted with migrateWindows");
});

t.test("a changed batch interval is refused, naming the interval and the ways out", async (t) => {
  const directory = await tempCheckpoints(t);
  await run(directory, v1, 0, 2);
  const error = await StreamingContext.getOrCreate(directory, () => {
    const ssc = new StreamingContext(new SparkContext({ log: () => {} }), Seconds(2), { clock: new ManualClock(2000) });
    pipe(words(ssc), map((w: string) => [w, 1] as const), updateStateByKey(sum), foreachRDD(() => {}));
    return ssc;
  }).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof CheckpointMismatchError);
  t.match((error as Error).message, /the batch interval changed from 1000 ms to 2000 ms/);
});

t.test("a corrupt latest checkpoint falls back to the previous one with a warning, and the counts still come out right", async (t) => {
  const directory = await tempCheckpoints(t);
  const warnings: string[] = [];
  await run(directory, v1, 0, 4);
  const files = (await readdir(directory)).filter((f) => f.startsWith("checkpoint-")).sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)));
  await writeFile(join(directory, files.at(-1)!), "damaged");
  const out = await run(directory, v1, 4, 2, warnings);
  t.match(warnings.join("\n"), /checkpoint-4000 is unusable: .*falling back to .*checkpoint-3000/);
  t.same(out.at(-1), [["a", 4], ["b", 3], ["c", 3]], "batch 4 is generated again from the previous checkpoint; nothing lost or counted twice");
});

t.test("getOrCreate refuses to recover a pipeline that reads a queueStream", async (t) => {
  const directory = await tempCheckpoints(t);
  await run(directory, v1, 0, 1);
  const error = await StreamingContext.getOrCreate(directory, () => {
    const ssc = new StreamingContext(new SparkContext({ log: () => {} }), Seconds(1), { clock: new ManualClock(1000) });
    pipe(ssc.queueStream([["a"]]), foreachRDD(() => {}));
    return ssc;
  }).then(() => undefined, (e: unknown) => e);
  t.match((error as Error).message, /Cannot recover from the checkpoint in .*: the pipeline reads a queueStream \(queueStream-0\), whose batches live only in memory/);
});
