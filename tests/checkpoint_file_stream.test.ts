/**
 * A file stream across a crash (Spark's CheckpointSuite "recovery with file input
 * stream"): no file is read twice and none is skipped, including files that arrived while
 * the job was down; the running counts go on from the checkpoint.
 */
import t from "tap";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkpoint, foreachRDD, ManualClock, map, type Option, pipe, Seconds, some, SparkContext, StreamingContext, updateStateByKey } from "../mod.ts";
import { dropFile, tempDir } from "./_io.ts";

const START = 100_000;
const sum = (values: ReadonlyArray<number>, state: Option<number>): Option<number> =>
  some(values.reduce((a, b) => a + b, state._tag === "Some" ? state.value : 0));

for (const stateEvery of [Seconds(1), undefined]) {
  t.test(`files dropped before, during and after a crash are each read once (state every ${stateEvery ?? "10 s"})`, async (t) => {
    const watched = tempDir("dstreams-watched-");
    const staging = tempDir("dstreams-staging-");
    const checkpoints = await mkdtemp(join(tmpdir(), "dstreams-ckpt-"));
    t.teardown(async () => {
      watched.cleanup();
      staging.cleanup();
      await rm(checkpoints, { recursive: true, force: true });
    });
    const lines: string[] = [];
    const counts: Array<ReadonlyArray<readonly [string, number]>> = [];
    const factory = (clock: ManualClock) => () => {
      const ssc = new StreamingContext(new SparkContext({ appName: "files", log: () => {} }), Seconds(1), { clock });
      ssc.checkpoint(checkpoints);
      const text = ssc.textFileStream(watched.dir);
      pipe(text, foreachRDD((rdd) => void lines.push(...rdd.collect())));
      pipe(
        text,
        map((line: string) => [line.split(" ")[0]!, 1] as const),
        updateStateByKey(sum),
        checkpoint(stateEvery),
        foreachRDD((rdd) => void counts.push([...rdd.collect()].sort())),
      );
      return ssc;
    };
    const drop = (name: string, content: string, modTime: number) => dropFile(staging.dir, watched.dir, name, content, modTime);

    const clock1 = new ManualClock(START);
    const first = await StreamingContext.getOrCreate(checkpoints, factory(clock1));
    first.start();
    drop("a.txt", "x 1\ny 1\n", START + 500);
    await clock1.advance(Seconds(1));
    drop("b.txt", "x 2\n", START + 1500);
    await clock1.advance(Seconds(1));
    await first.stop(); // the process dies here: nothing more is written

    // While it is down.
    drop("c.txt", "y 2\n", START + 2500);
    drop("d.txt", "z 1\n", START + 3500);

    const clock2 = new ManualClock(START + 4000);
    const second = await StreamingContext.getOrCreate(checkpoints, factory(clock2));
    second.start();
    drop("e.txt", "x 3\n", START + 4500);
    await clock2.advance(Seconds(1));
    await second.stop();

    t.same(lines, ["x 1", "y 1", "x 2", "y 2", "z 1", "x 3"], "every line once, in the order the files came");
    t.same(counts.at(-1), [["x", 3], ["y", 2], ["z", 1]], "the running counts went on from the checkpoint");
    t.equal(counts.length, 5, "one count per batch: 2 before the crash, 2 that fell due while down, 1 after");
  });
}

t.test("a crash while a batch's outputs run: after recovery that batch holds the same files, not the ones that came since", async (t) => {
  const { cp } = await import("node:fs/promises");
  const watched = tempDir("dstreams-watched-");
  const staging = tempDir("dstreams-staging-");
  const checkpoints = await mkdtemp(join(tmpdir(), "dstreams-ckpt-"));
  const copy = await mkdtemp(join(tmpdir(), "dstreams-ckpt-copy-"));
  t.teardown(async () => {
    watched.cleanup();
    staging.cleanup();
    await rm(checkpoints, { recursive: true, force: true });
    await rm(copy, { recursive: true, force: true });
  });
  const drop = (name: string, content: string, modTime: number) => dropFile(staging.dir, watched.dir, name, content, modTime);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => void (release = resolve));
  let outputRunning!: () => void;
  const running = new Promise<void>((resolve) => void (outputRunning = resolve));
  const seen: Array<readonly [number, ReadonlyArray<string>]> = [];
  const factory = (clock: ManualClock, dir: string, holdAt?: number) => () => {
    const ssc = new StreamingContext(new SparkContext({ appName: "files", log: () => {} }), Seconds(1), { clock });
    ssc.checkpoint(dir);
    pipe(ssc.textFileStream(watched.dir), foreachRDD(async (rdd, time) => {
      seen.push([time.milliseconds, rdd.collect()]);
      if (time.milliseconds === holdAt) {
        outputRunning();
        await gate;
      }
    }));
    return ssc;
  };
  const clock1 = new ManualClock(START);
  const first = await StreamingContext.getOrCreate(checkpoints, factory(clock1, checkpoints, START + 2000));
  first.start();
  drop("a.txt", "a\n", START + 500);
  await clock1.advance(Seconds(1));
  drop("b.txt", "b\n", START + 1500);
  const advancing = clock1.advance(Seconds(1));
  await running;
  // The process dies here, while the outputs of batch 2 run: the disk is as it is now.
  await cp(checkpoints, copy, { recursive: true });
  release();
  await advancing;
  await first.stop();
  drop("c.txt", "c\n", START + 1800); // came later, dated before batch 2's time

  seen.length = 0;
  const clock2 = new ManualClock(START + 2000);
  const second = await StreamingContext.getOrCreate(copy, factory(clock2, copy));
  second.start();
  await clock2.advance(Seconds(1));
  await second.stop();
  t.same(seen[0], [START + 2000, ["b"]], "batch 2 is generated again with the file it had, b, and not c");
  t.same(seen[1], [START + 3000, ["c"]], "c comes in the next batch");
});
