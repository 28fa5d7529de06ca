/**
 * dstreams/ml as a user meets it: refused records as counted dead letters, an empty
 * batch, seeded sampling and random centers, predictions with keys, clear errors for
 * misuse, and models that survive a snapshot → bytes → restore round trip.
 */
import t from "tap";
import { foreachRDD, map, pipe, RDD, Seconds } from "../mod.ts";
import type { DeadLetter, DecodeCounts } from "../mod.ts";
import {
  LabeledPoint,
  StreamingKMeans,
  StreamingKMeansModel,
  StreamingLinearRegressionWithSGD,
  StreamingLogisticRegressionWithSGD,
  type Vector,
  Vectors,
} from "../ml.ts";
import { testContext } from "./_contexts.ts";

const collectInto = <A>(out: A[][]) => foreachRDD((rdd: { collect(): A[] }) => void out.push(rdd.collect()));

t.test("training points with a wrong dimension, a NaN or a broken sparse form are dead letters with their reason, counted", async (t) => {
  const { ssc, clock } = testContext();
  const kmeans = new StreamingKMeans({ k: 2 }).setInitialCenters([[0, 0], [10, 10]], [0, 0]);
  const batch: Vector[] = [
    [1, 1],
    [1, 2, 3],
    [Number.NaN, 0],
    new Float64Array([9, 9]),
    Vectors.sparse(2, [1, 0], [1, 1]),
    Vectors.sparse(2, [1], [11]),
    { size: 3, indices: [0], values: [1] },
  ];
  const training = kmeans.trainOn(ssc.queueStream([batch]));
  const dead: DeadLetter<Vector>[][] = [];
  const counts: DecodeCounts[][] = [];
  pipe(training.rejected, collectInto(dead));
  pipe(training.counts, collectInto(counts));
  const metrics: Array<Readonly<Record<string, number>> | undefined> = [];
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void metrics.push(batchInfo.metrics.get(training.name)) });
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.strictSame(dead[0]!.map((d) => d.errors), [
    ["point has 3 entries, the model has dimension 2: send vectors of 2 numbers"],
    ["point[0] is NaN: entries must be finite numbers (not NaN or ±Infinity)"],
    ["sparse point's indices must increase strictly, got 1 then 0 at indices[1]"],
    ["point has size 3, the model has dimension 2: send vectors of 2 entries"],
  ]);
  t.equal(dead[0]![0]!.source, "queueStream-0", "a dead letter names the stream it came from");
  t.equal(String(counts[0]![0]), "received 7, valid 3, rejected 4");
  t.strictSame(metrics, [{ received: 7, valid: 3, rejected: 4 }], "listeners see the counts");
  // Only the three good points trained: [1,1] → center 0; [9,9] and sparse [0,11] → center 1.
  t.strictSame(kmeans.latestModel().clusterCenters, [[1, 1], [4.5, 10]]);
  t.strictSame(kmeans.latestModel().clusterWeights, [1, 2]);
});

t.test("regressions refuse bad labels and features: logistic takes 0 and 1 only", async (t) => {
  const { ssc, clock } = testContext();
  const logistic = new StreamingLogisticRegressionWithSGD({ initialWeights: [0, 0] });
  const training = logistic.trainOn(ssc.queueStream([[
    new LabeledPoint(1, [1, 0]),
    new LabeledPoint(2, [1, 0]),
    new LabeledPoint(Number.NaN, [1, 0]),
    new LabeledPoint(0, [0, Infinity]),
  ]]));
  const dead: DeadLetter<LabeledPoint>[][] = [];
  pipe(training.rejected, collectInto(dead));
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.strictSame(dead[0]!.map((d) => d.errors[0]), [
    "label is 2: logistic regression takes labels 0 and 1",
    "label is number NaN: labels must be finite numbers",
    "features[1] is Infinity: entries must be finite numbers (not NaN or ±Infinity)",
  ]);
  t.ok(logistic.latestModel().weights[0]! > 0, "the one good point trained the model");
});

t.test("predictions that cannot be made are dead letters beside the predictions", async (t) => {
  const { ssc, clock } = testContext();
  const lr = new StreamingLinearRegressionWithSGD({ initialWeights: [2, 3] });
  const predictions = lr.predictOn(ssc.queueStream<Vector>([[[1, 1], [1], Vectors.sparse(2, [1], [2])]]));
  const seen: number[][] = [];
  const dead: DeadLetter<Vector>[][] = [];
  pipe(predictions, collectInto(seen));
  pipe(predictions.rejected, collectInto(dead));
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.strictSame(seen, [[5, 6]]);
  t.strictSame(dead[0]!.map((d) => d.raw), [[1]]);
});

t.test("predictOnValues keeps each key with its prediction, by the model trained on the same batch", async (t) => {
  const { ssc, clock } = testContext();
  const kmeans = new StreamingKMeans({ k: 2 }).setInitialCenters([[0], [10]], [0, 0]);
  const points = ssc.queueStream([[[1], [2], [20]]]);
  kmeans.trainOn(points);
  const seen: Array<Array<readonly [string, number]>> = [];
  const keyed: Array<readonly [string, number[]]> = [["a", [1.4]], ["b", [10]], ["c", [16]]];
  pipe(kmeans.predictOnValues(ssc.queueStream([keyed])), collectInto(seen));
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  // After training the centers are 1.5 and 20: 10 is nearer 1.5, 16 nearer 20.
  t.strictSame(seen, [[["a", 0], ["b", 0], ["c", 1]]]);
});

t.test("an empty batch leaves a regression's weights alone; it decays k-means weights per batch, as MLlib's do", async (t) => {
  const { ssc, clock } = testContext();
  const lr = new StreamingLinearRegressionWithSGD({ initialWeights: [0] });
  const kmeans = new StreamingKMeans({ k: 1, decayFactor: 0.5 }).setInitialCenters([[0]], [0]);
  const stream = ssc.queueStream([[new LabeledPoint(2, [1])], []]);
  lr.trainOn(stream);
  kmeans.trainOn(pipe(stream, map((p: LabeledPoint): Vector => p.features)));
  const weights: Array<ReadonlyArray<number>> = [];
  const kWeights: Array<ReadonlyArray<number>> = [];
  pipe(stream, foreachRDD(() => {
    weights.push(lr.latestModel().weights);
    kWeights.push(kmeans.latestModel().clusterWeights);
  }));
  ssc.start();
  await clock.advance(Seconds(2));
  await ssc.stop();
  t.ok(weights[0]![0]! > 0, "the first batch trained");
  t.strictSame(weights[1], weights[0], "the empty batch changed nothing");
  t.strictSame(kWeights, [[1], [0.5]]);
});

t.test("miniBatchFraction samples with a seed: the same seed trains the same weights, another seed others", async (t) => {
  const batch = Array.from({ length: 200 }, (_, i) => new LabeledPoint(Math.sin(i), [Math.cos(i), Math.sin(2 * i), 1]));
  const train = async (seed: number) => {
    const { ssc, clock } = testContext();
    const lr = new StreamingLinearRegressionWithSGD({ initialWeights: [0, 0, 0], miniBatchFraction: 0.3, seed, convergenceTol: 0 });
    lr.trainOn(ssc.queueStream([RDD.fromArray(batch, 2)]));
    ssc.start();
    await clock.advance(Seconds(1));
    await ssc.stop();
    return lr.latestModel().weights;
  };
  const a = await train(7);
  t.strictSame(await train(7), a);
  t.notSame(await train(8), a);
});

t.test("setRandomCenters draws the same centers from the same seed", (t) => {
  const a = new StreamingKMeans({ k: 3 }).setRandomCenters(4, 1.5, 11).latestModel();
  const b = new StreamingKMeans({ k: 3 }).setRandomCenters(4, 1.5, 11).latestModel();
  const c = new StreamingKMeans({ k: 3 }).setRandomCenters(4, 1.5, 12).latestModel();
  t.strictSame(a.clusterCenters, b.clusterCenters);
  t.notSame(a.clusterCenters, c.clusterCenters);
  t.equal(a.k, 3);
  t.equal(a.dim, 4);
  t.strictSame(a.clusterWeights, [1.5, 1.5, 1.5]);
  t.end();
});

t.test("halfLife sets MLlib's decay factor, exp(log(0.5) / halfLife)", (t) => {
  t.equal(new StreamingKMeans({ halfLife: 2 }).decayFactor, Math.exp(Math.log(0.5) / 2));
  const k = new StreamingKMeans().setHalfLife(10, "points");
  t.equal(k.timeUnit, "points");
  t.equal(k.decayFactor, Math.exp(Math.log(0.5) / 10));
  t.end();
});

t.test("misuse is a clear error saying what to do", (t) => {
  const { ssc } = testContext();
  const stream = ssc.queueStream<Vector>([]);
  t.throws(() => new StreamingKMeans().trainOn(stream), /needs initial centers: call setInitialCenters\(centers, weights\) or setRandomCenters/);
  t.throws(() => new StreamingLinearRegressionWithSGD().predictOn(stream), /needs initial weights: pass \{ initialWeights \}/);
  t.throws(() => new StreamingKMeans({ decayFactor: 0.5, halfLife: 3 }), /decayFactor or halfLife, not both/);
  t.throws(() => new StreamingKMeans({ timeUnit: "seconds" as never }), /timeUnit must be "batches" or "points", got "seconds"/);
  t.throws(() => new StreamingKMeans({ decayFactor: 2 }), /decayFactor must be a number in 0…1/);
  t.throws(() => new StreamingKMeans().setInitialCenters([[0, 0], [1]], [1, 1]), /center 1 has 1 entries, the model has dimension 2/);
  t.throws(() => new StreamingKMeans().setInitialCenters([[0], [1]], [1]), /one weight per center \(2\), got 1 weights/);
  t.throws(() => new StreamingLinearRegressionWithSGD({ miniBatchFraction: 0 }), /miniBatchFraction must be a number in \(0, 1\], got number 0/);
  t.throws(() => new StreamingKMeansModel([[0, 0]], [1]).predict([1]), /predict's point has 1 entries, the model has dimension 2/);
  t.end();
});

t.test("a model's state is plain data: snapshot, encode, decode and restore, then training goes on as if never stopped", async (t) => {
  const batches = [[[0.5], [9]], [[1.5], [11]], [[0.7], [10.5]]];
  const straight = new StreamingKMeans({ k: 2, decayFactor: 0.9 }).setInitialCenters([[0], [10]], [1, 1]);
  {
    const { ssc, clock } = testContext();
    straight.trainOn(ssc.queueStream(batches));
    ssc.start();
    await clock.advance(Seconds(3));
    await ssc.stop();
  }
  const first = new StreamingKMeans({ k: 2, decayFactor: 0.9, name: "km" }).setInitialCenters([[0], [10]], [1, 1]);
  {
    const { ssc, clock } = testContext();
    first.trainOn(ssc.queueStream(batches.slice(0, 1)));
    ssc.start();
    await clock.advance(Seconds(1));
    await ssc.stop();
  }
  const bytes = first.stateCodec.encode(first.snapshot(), first.name);
  const second = new StreamingKMeans({ k: 2, decayFactor: 0.9, name: "km" }).setInitialCenters([[0], [10]], [1, 1]);
  second.restore(second.stateCodec.decode(bytes, second.stateCodec.version, second.name));
  {
    const { ssc, clock } = testContext();
    second.trainOn(ssc.queueStream(batches.slice(1)));
    ssc.start();
    await clock.advance(Seconds(2));
    await ssc.stop();
  }
  t.strictSame(second.latestModel().clusterCenters, straight.latestModel().clusterCenters);
  t.strictSame(second.latestModel().clusterWeights, straight.latestModel().clusterWeights);
  t.throws(() => new StreamingKMeans({ k: 3 }).setRandomCenters(1, 0).restore(first.snapshot()), /checkpoint holds 2 centers of dimension 1, the code sets 3/);

  const lr = new StreamingLinearRegressionWithSGD({ initialWeights: [0.25, -1] });
  const restored = new StreamingLinearRegressionWithSGD({ initialWeights: [0, 0] });
  restored.restore(restored.stateCodec.decode(lr.stateCodec.encode(lr.snapshot(), lr.name), 1, lr.name));
  t.strictSame(restored.latestModel().weights, [0.25, -1]);
  t.throws(() => restored.restore({ weights: [1], intercept: 0 }), /checkpoint holds 1 weights, the code sets 2/);
});
