/**
 * Models are checkpointed state: a pipeline that trains a k-means and a regression model
 * stops after 11 batches with a checkpoint directory, and a context
 * made by `StreamingContext.getOrCreate` from the same code puts both models back from
 * the checkpoint and goes on; the models at the end equal those of a run without a stop.
 */
import t from "tap";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock, map, pipe, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import { LabeledPoint, StreamingKMeans, StreamingLinearRegressionWithSGD } from "../ml.ts";
import { ScriptedInput } from "./_scripted_input.ts";

const SCRIPT: ReadonlyArray<ReadonlyArray<number>> = Array.from({ length: 14 }, (_, b) => [b % 3, 10 + b, 0.5 * b, 20 - b]);

const build = (ssc: StreamingContext) => {
  const kmeans = new StreamingKMeans({ k: 2, decayFactor: 0.7, name: "km" }).setInitialCenters([[0], [15]], [0, 0]);
  const lr = new StreamingLinearRegressionWithSGD({ initialWeights: [0], name: "lr" });
  const input = new ScriptedInput(ssc, "xs", SCRIPT);
  kmeans.trainOn(pipe(input, map((x: number) => [x])));
  lr.trainOn(pipe(input, map((x: number) => new LabeledPoint(3 * x, [x / 10]))));
  return { kmeans, lr };
};

const models = (m: ReturnType<typeof build>) => ({ centers: m.kmeans.latestModel().clusterCenters, weights: m.lr.latestModel().weights });
const quiet = () => new SparkContext({ appName: "ml-checkpoint", log: () => {} });

t.test("StreamingKMeans and StreamingLinearRegressionWithSGD are restored from a checkpoint by getOrCreate", async (t) => {
  // Without a crash.
  const clock0 = new ManualClock(0);
  const ssc0 = new StreamingContext(quiet(), Seconds(1), { clock: clock0 });
  const straight = build(ssc0);
  ssc0.start();
  await clock0.advance(Seconds(SCRIPT.length));
  await ssc0.stop();

  const directory = await mkdtemp(join(tmpdir(), "dstreams-ml-"));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  let built: ReturnType<typeof build> | undefined;
  const factory = (clock: ManualClock) => () => {
    const ssc = new StreamingContext(quiet(), Seconds(1), { clock });
    ssc.checkpoint(directory);
    built = build(ssc);
    return ssc;
  };
  const clock1 = new ManualClock(0);
  const first = await StreamingContext.getOrCreate(directory, factory(clock1));
  first.start();
  await clock1.advance(Seconds(11));
  await first.stop();
  const beforeCrash = models(built!);

  const clock2 = new ManualClock(11_000);
  const second = await StreamingContext.getOrCreate(directory, factory(clock2));
  const restored = models(built!);
  second.start();
  await clock2.advance(Seconds(SCRIPT.length - 11));
  await second.stop();

  t.notSame(restored, models(build(new StreamingContext(quiet(), Seconds(1), { clock: new ManualClock(0) }))), "the recovered models are not the initial ones");
  t.strictSame(restored, beforeCrash, "getOrCreate put back the models the first context checkpointed when it stopped");
  t.strictSame(models(built!), models(straight), "going on from there, the models end as those of a run without a stop");
});
