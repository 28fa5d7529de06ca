/**
 * Streaming linear regression, as in MLlib's StreamingLinearRegressionExample: the
 * model trains on one stream of labelled points with SGD every batch and predicts the
 * labels of another stream's points.
 *
 *   npx tsx examples/streaming_regression.ts [batches]
 *   npx deno run examples/streaming_regression.ts [batches]
 *
 * The labels are y = 3·x0 − 2·x1 + 0.5·x2 plus a little noise; the weights the model
 * learns approach (3, −2, 0.5) batch by batch. Runs on a manual clock (default: 5 batches).
 */
import process from "node:process";
import { foreachRDD, ManualClock, pipe, pprint, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import { LabeledPoint, StreamingLinearRegressionWithSGD } from "../ml.ts";

const batches = Number(process.argv[2] ?? 5);
const clock = new ManualClock();
const ssc = new StreamingContext(new SparkContext({ appName: "StreamingLinearRegressionExample" }), Seconds(1), { clock });

let seed = 2016;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const trueWeights = [3, -2, 0.5];
const point = () => {
  const x = trueWeights.map(() => 2 * random() - 1);
  return new LabeledPoint(x.reduce((s, xi, i) => s + xi * trueWeights[i]!, 0) + 0.05 * (random() - 0.5), x);
};
const training = Array.from({ length: batches }, () => Array.from({ length: 200 }, point));
const test = Array.from({ length: batches }, () => Array.from({ length: 3 }, point));

const model = new StreamingLinearRegressionWithSGD({ stepSize: 0.5, numIterations: 50, initialWeights: [0, 0, 0] });
model.trainOn(ssc.queueStream(training));
// (label, prediction) pairs, by the model trained on the batch so far.
pipe(model.predictOnValues(ssc.queueStream(test.map((b) => b.map((p) => [p.label.toFixed(3), p.features] as const)))), pprint());
pipe(
  ssc.queueStream(training),
  foreachRDD((_rdd, time) => console.log(`${time}: weights ${model.latestModel().weights.map((w) => w.toFixed(3)).join(", ")}\n`)),
);

ssc.start();
await clock.advance(Seconds(batches));
await ssc.stop();
