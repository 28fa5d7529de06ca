/**
 * Spark's CheckpointSuite cases: a pipeline runs, "crashes" after some batches (stopped
 * without a graceful stop, its checkpoint directory left as it was), and a new context made
 * by `StreamingContext.getOrCreate` from the same code resumes it. The outputs of both runs,
 * put together, equal batch by batch those of a run without the crash.
 */
import t from "tap";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkpoint,
  type DStream,
  flatMap,
  foreachRDD,
  ManualClock,
  map,
  mapWithState,
  none,
  type Option,
  pipe,
  reduceByKey,
  reduceByKeyAndWindow,
  Seconds,
  some,
  SparkContext,
  type State,
  StateSpec,
  stateSnapshots,
  StreamingContext,
  updateStateByKey,
  window,
} from "../mod.ts";
import { ScriptedInput } from "./_scripted_input.ts";

type Outputs = Array<readonly [number, ReadonlyArray<unknown>]>;

const SCRIPT: ReadonlyArray<ReadonlyArray<string>> = [
  ["a b", "a"], ["b c"], [], ["a a a"], ["c"], ["b", "d"], ["a"], [], ["d d"], ["a b c d"], ["b"], ["c c"],
];

const words = (ssc: StreamingContext): DStream<string> =>
  pipe(new ScriptedInput(ssc, "words", SCRIPT), flatMap((line: string) => line.split(" ")));

const pairs = (ssc: StreamingContext) => pipe(words(ssc), map((w: string) => [w, 1] as const));

const sum = (values: ReadonlyArray<number>, state: Option<number>): Option<number> =>
  some(values.reduce((a, b) => a + b, state._tag === "Some" ? state.value : 0));

/** Builds the pipeline on `ssc` and collects what it outputs into `out`. */
type Build = (ssc: StreamingContext, out: Outputs) => void;

const collectInto = (out: Outputs) => foreachRDD((rdd: { collect(): ReadonlyArray<unknown> }, time) => void out.push([time.milliseconds, rdd.collect()]));

const quiet = (log: string[] = []) => new SparkContext({ appName: "checkpoint", defaultParallelism: 2, log: (line) => log.push(line) });

/** Runs `build` for `batches` batches without a crash. */
const reference = async (build: Build, batches: number): Promise<Outputs> => {
  const out: Outputs = [];
  const clock = new ManualClock(0);
  const ssc = new StreamingContext(quiet(), Seconds(1), { clock });
  build(ssc, out);
  ssc.start();
  await clock.advance(Seconds(batches));
  await ssc.stop();
  return out;
};

/**
 * Runs `build` with checkpoints, stops it after `crashAfter` batches (as a crash would leave
 * the directory), recovers with getOrCreate `downFor` batches later, and runs to `batches`.
 */
const withCrash = async (build: Build, batches: number, crashAfter: number, downFor = 0) => {
  const directory = await mkdtemp(join(tmpdir(), "dstreams-recovery-"));
  try {
    const out: Outputs = [];
    const log: string[] = [];
    const factory = (clock: ManualClock) => () => {
      const ssc = new StreamingContext(quiet(log), Seconds(1), { clock });
      ssc.checkpoint(directory);
      build(ssc, out);
      return ssc;
    };
    const clock1 = new ManualClock(0);
    const first = await StreamingContext.getOrCreate(directory, factory(clock1));
    first.start();
    await clock1.advance(Seconds(crashAfter));
    await first.stop();
    const outBeforeCrash = out.length;
    const clock2 = new ManualClock((crashAfter + downFor) * 1000);
    const second = await StreamingContext.getOrCreate(directory, factory(clock2));
    second.start();
    await clock2.advance(Seconds(batches - crashAfter - downFor));
    await second.stop();
    return { out, outBeforeCrash, log };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
};

const cases: ReadonlyArray<readonly [string, Build]> = [
  ["map and reduceByKey", (ssc, out) => void pipe(pairs(ssc), reduceByKey((a: number, b: number) => a + b), collectInto(out))],
  ["updateStateByKey, state every 10 s (the default)", (ssc, out) => void pipe(pairs(ssc), updateStateByKey(sum), collectInto(out))],
  ["updateStateByKey, state every batch", (ssc, out) => void pipe(pairs(ssc), updateStateByKey(sum), checkpoint(Seconds(1)), collectInto(out))],
  ["updateStateByKey, state every 3 s", (ssc, out) => void pipe(pairs(ssc), updateStateByKey(sum), checkpoint(Seconds(3)), collectInto(out))],
  [
    "an invertible reduceByKeyAndWindow",
    (ssc, out) =>
      void pipe(
        pairs(ssc),
        reduceByKeyAndWindow((a: number, b: number) => a + b, (a: number, b: number) => a - b, Seconds(3), Seconds(1)),
        checkpoint(Seconds(2)),
        collectInto(out),
      ),
  ],
  ["window without inverse", (ssc, out) => void pipe(words(ssc), window(Seconds(4), Seconds(2)), checkpoint(Seconds(2)), collectInto(out))],
  [
    "mapWithState with a timeout, and its state snapshots",
    (ssc, out) => {
      const spec = StateSpec.function((word: string, one: Option<number>, state: State<number>) => {
        if (state.isTimingOut()) return `${word} timed out`;
        const n = (state.getOption()._tag === "Some" ? state.get() : 0) + (one._tag === "Some" ? one.value : 0);
        state.update(n);
        return `${word}=${n}`;
      }).timeout(Seconds(3));
      const mapped = pipe(pairs(ssc), mapWithState(spec), checkpoint(Seconds(2)));
      pipe(mapped, collectInto(out));
      pipe(mapped, stateSnapshots(), map(([k, v]) => `${k}:${v}`), collectInto(out));
    },
  ],
];

for (const [name, build] of cases) {
  t.test(`recovery with ${name} gives, batch by batch, the run without the crash`, async (t) => {
    const expected = await reference(build, SCRIPT.length);
    for (const crashAfter of [1, 4, 7, 11]) {
      const { out } = await withCrash(build, SCRIPT.length, crashAfter);
      t.same(out, expected, `crash after batch ${crashAfter}`);
    }
  });
}

t.test("batches that fell due while the job was down run after the restart, in order", async (t) => {
  const build: Build = (ssc, out) => void pipe(pairs(ssc), updateStateByKey(sum), collectInto(out));
  const expected = await reference(build, SCRIPT.length);
  const { out } = await withCrash(build, SCRIPT.length, 5, 4);
  t.same(out, expected);
});

t.test("getOrCreate creates the context with the function when the directory holds no checkpoint, and recovers when it does", async (t) => {
  const directory = await mkdtemp(join(tmpdir(), "dstreams-recovery-"));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  let created = 0;
  const clock = new ManualClock(0);
  const factory = () => {
    created++;
    const ssc = new StreamingContext(quiet(), Seconds(1), { clock });
    pipe(pairs(ssc), updateStateByKey(sum), foreachRDD(() => {}));
    return ssc;
  };
  const first = await StreamingContext.getOrCreate(directory, factory);
  t.equal(created, 1);
  first.start();
  await clock.advance(Seconds(2));
  await first.stop();
  const second = await StreamingContext.getOrCreate(directory, factory);
  t.equal(created, 2, "the function rebuilds the pipeline from today's code");
  t.not(second, first);
  await second.stop();
});

t.test("getOrCreate refuses to recover a queueStream, and start() refuses one with checkpoints on", async (t) => {
  const directory = await mkdtemp(join(tmpdir(), "dstreams-recovery-"));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  const ssc = new StreamingContext(quiet(), Seconds(1), { clock: new ManualClock() });
  ssc.checkpoint(directory);
  pipe(ssc.queueStream([["a"]]), foreachRDD(() => {}));
  t.throws(() => ssc.start(), /queueStream \(queueStream-\d+\) does not support checkpointing/);
});

t.test("two stateful streams that would share a checkpoint name: start() says to name them", async (t) => {
  const directory = await mkdtemp(join(tmpdir(), "dstreams-recovery-"));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  const ssc = new StreamingContext(quiet(), Seconds(1), { clock: new ManualClock() });
  ssc.checkpoint(directory);
  const input = pairs(ssc);
  pipe(input, updateStateByKey(sum), foreachRDD(() => {}));
  pipe(input, updateStateByKey(sum), foreachRDD(() => {}));
  t.throws(() => ssc.start(), /Two streams would be checkpointed under the same name "updateStateByKey\(scripted\(words\)\)".*named\(/);
});

t.test("checkpoint names come from the structure: a filter added upstream keeps them", async (t) => {
  const ssc = new StreamingContext(quiet(), Seconds(1), { clock: new ManualClock() });
  const plain = pipe(pairs(ssc), updateStateByKey(sum));
  const ssc2 = new StreamingContext(quiet(), Seconds(1), { clock: new ManualClock() });
  const filtered = pipe(pairs(ssc2), map((kv) => kv), updateStateByKey(sum));
  const nameOf = (s: unknown) => (s as { checkpointName: string }).checkpointName;
  t.equal(nameOf(plain), "updateStateByKey(scripted(words))");
  t.equal(nameOf(filtered), nameOf(plain));
});

void none;
