/**
 * dstreams/ml against MLlib itself: the streams in tests/fixtures/mllib/ were run batch
 * by batch through PySpark 3.5's MLlib (scripts/mllib_reference.py, which says how to
 * regenerate them); here the same batches run through a dstreams pipeline (trainOn,
 * then predictOn, on a manual clock) and every batch's model and predictions must match.
 *
 * Tolerance: every number within 1e-12 · max(1, |MLlib's value|) (the sums run in another
 * order over Spark's partitions; observed: below 1e-14); cluster indices and 0/1 labels
 * exactly.
 */
import t from "tap";
import { readFileSync } from "node:fs";
import { foreachRDD, map, pipe, Seconds } from "../mod.ts";
import { LabeledPoint, StreamingKMeans, StreamingLinearRegressionWithSGD, StreamingLogisticRegressionWithSGD, type Vector } from "../ml.ts";
import type { RegType, StreamingLinearAlgorithm } from "../ml.ts";
import type { LinearRegressionModel } from "../ml.ts";
import { testContext } from "./_contexts.ts";

const TOLERANCE = 1e-12;

const fixture = <A>(name: string): A => JSON.parse(readFileSync(new URL(`./fixtures/mllib/${name}.json`, import.meta.url), "utf8")) as A;

/** The largest |a − b| / max(1, |b|) over two equally long number lists (Infinity if they differ in length). */
const worst = (actual: ReadonlyArray<number>, expected: ReadonlyArray<number>): number =>
  actual.length !== expected.length
    ? Infinity
    : actual.reduce((m, a, i) => Math.max(m, Math.abs(a - expected[i]!) / Math.max(1, Math.abs(expected[i]!))), 0);

interface KMeansFixture {
  readonly params: { readonly k: number; readonly decayFactor: number; readonly timeUnit: "batches" | "points"; readonly halfLife?: number };
  readonly initialCenters: number[][];
  readonly initialWeights: number[];
  readonly batches: number[][][];
  readonly steps: ReadonlyArray<{ readonly centers: number[][]; readonly weights: number[]; readonly predictions: number[] }>;
}

const runKMeans = async (f: KMeansFixture) => {
  const { ssc, clock } = testContext();
  const { params } = f;
  const kmeans = new StreamingKMeans(
    params.halfLife !== undefined
      ? { k: params.k, halfLife: params.halfLife, timeUnit: params.timeUnit }
      : { k: params.k, decayFactor: params.decayFactor, timeUnit: params.timeUnit },
  ).setInitialCenters(f.initialCenters, f.initialWeights);
  const input = ssc.queueStream(f.batches);
  kmeans.trainOn(input);
  const seen: Array<{ centers: ReadonlyArray<ReadonlyArray<number>>; weights: ReadonlyArray<number>; predictions: number[] }> = [];
  pipe(
    kmeans.predictOn(input),
    foreachRDD((rdd) => {
      const model = kmeans.latestModel();
      seen.push({ centers: model.clusterCenters, weights: model.clusterWeights, predictions: rdd.collect() });
    }),
  );
  ssc.start();
  await clock.advance(Seconds(f.batches.length));
  await ssc.stop();
  return { seen, decayFactor: kmeans.decayFactor };
};

for (const name of ["kmeans_batches", "kmeans_points", "kmeans_dying"]) {
  t.test(`StreamingKMeans matches MLlib batch by batch: ${name}`, async (t) => {
    const f = fixture<KMeansFixture>(name);
    const { seen, decayFactor } = await runKMeans(f);
    t.ok(Math.abs(decayFactor - f.params.decayFactor) <= 1e-15, `decay factor ${decayFactor} is MLlib's ${f.params.decayFactor}`);
    t.equal(seen.length, f.steps.length, "one model per batch");
    f.steps.forEach((step, b) => {
      const got = seen[b]!;
      t.ok(worst(got.centers.flat(), step.centers.flat()) <= TOLERANCE, `batch ${b}: centers ${JSON.stringify(got.centers)} ≈ ${JSON.stringify(step.centers)}`);
      t.ok(worst(got.weights, step.weights) <= TOLERANCE, `batch ${b}: weights ${got.weights} ≈ ${step.weights}`);
      t.strictSame(got.predictions, step.predictions, `batch ${b}: predictions`);
    });
  });
}

t.test("the dying-cluster fixture does exercise the split, and the empty batch the decay", async (t) => {
  const dying = fixture<KMeansFixture>("kmeans_dying");
  // The far center (100, …) never gets a point; with decay 0 its weight drops to 0 and
  // the largest cluster is split into it: after batch 0 two centers coincide (±1e-14).
  const [, , c2, c3] = dying.steps[0]!.centers;
  t.ok(worst(c3!, c2!) < 1e-12, "MLlib split the largest cluster into the dead one");
  const batches = fixture<KMeansFixture>("kmeans_batches");
  t.equal(batches.batches[3]!.length, 0, "batch 3 is empty");
  t.ok(worst(batches.steps[3]!.weights, batches.steps[2]!.weights.map((w) => w * 0.8)) < 1e-12, "MLlib decays the weights on an empty batch too");
});

type FixtureFeatures = number[] | { size: number; indices: number[]; values: number[] };
interface LinearFixture {
  readonly kind: "linear" | "logistic";
  readonly params: {
    readonly stepSize: number;
    readonly numIterations: number;
    readonly miniBatchFraction: number;
    readonly regParam: number;
    readonly regType: RegType;
    readonly convergenceTol: number;
  };
  readonly initialWeights: number[];
  readonly batches: ReadonlyArray<ReadonlyArray<{ readonly label: number; readonly features: FixtureFeatures }>>;
  readonly steps: ReadonlyArray<{ readonly weights: number[]; readonly predictions: number[] }>;
}

// "linear" sets regParam 0.1 with regType "none": MLlib's SimpleUpdater ignores it, and so must we.
for (const name of ["linear", "linear_l2_sparse", "logistic"]) {
  t.test(`Streaming${name.startsWith("logistic") ? "Logistic" : "Linear"}RegressionWithSGD matches MLlib batch by batch: ${name}`, async (t) => {
    const f = fixture<LinearFixture>(name);
    const { ssc, clock } = testContext();
    const options = { ...f.params, initialWeights: f.initialWeights };
    const algorithm: StreamingLinearAlgorithm<LinearRegressionModel> = f.kind === "linear"
      ? new StreamingLinearRegressionWithSGD(options)
      : new StreamingLogisticRegressionWithSGD(options);
    const points = ssc.queueStream(f.batches.map((batch) => batch.map((p) => new LabeledPoint(p.label, p.features))));
    algorithm.trainOn(points);
    const seen: Array<{ weights: ReadonlyArray<number>; predictions: number[] }> = [];
    pipe(
      algorithm.predictOn(pipe(points, map((p: LabeledPoint): Vector => p.features))),
      foreachRDD((rdd) => void seen.push({ weights: algorithm.latestModel().weights, predictions: rdd.collect() })),
    );
    ssc.start();
    await clock.advance(Seconds(f.batches.length));
    await ssc.stop();
    t.equal(seen.length, f.steps.length, "one model per batch");
    f.steps.forEach((step, b) => {
      const got = seen[b]!;
      t.ok(worst(got.weights, step.weights) <= TOLERANCE, `batch ${b}: weights ${got.weights} ≈ ${step.weights}`);
      if (f.kind === "logistic") t.strictSame(got.predictions, step.predictions, `batch ${b}: 0/1 predictions`);
      else t.ok(worst(got.predictions, step.predictions) <= TOLERANCE, `batch ${b}: ${step.predictions.length} predictions`);
    });
  });
}
