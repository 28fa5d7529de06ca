/**
 * Properties of dstreams/ml on generated streams (fast-check): streaming k-means finds
 * well-separated clusters; linear regression recovers known weights; logistic
 * regression separates separable classes.
 */
import t from "tap";
import fc from "fast-check";
import { foreachRDD, pipe, Seconds } from "../mod.ts";
import { LabeledPoint, StreamingKMeans, StreamingLinearRegressionWithSGD, StreamingLogisticRegressionWithSGD } from "../ml.ts";
import { testContext } from "./_contexts.ts";

/** A seeded stream of uniform draws in [0, 1) (so a failing case replays). */
const uniform = (seed: number) => {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
};

t.test("streaming k-means finds well-separated clusters: each center ends within 0.5 of its cluster's mean, and every point is assigned to its own cluster", async (t) => {
  await t.resolves(fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 2, max: 5 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.constantFrom<"batches" | "points">("batches", "points"),
      async (k, dim, seed, timeUnit) => {
        const random = uniform(seed);
        // True means 20 apart along the first axis (others random); points within ±1 of them.
        const means = Array.from({ length: k }, (_, j) => Array.from({ length: dim }, (_, i) => (i === 0 ? 20 * j : 10 * random())));
        const batches = Array.from({ length: 6 }, () =>
          Array.from({ length: 60 }, (_, i) => {
            // Every cluster has points in every batch: one without any would, with weight
            // 0, "die" and be replaced by a split of the largest (MLlib's rule, tested elsewhere).
            const j = i % k;
            return { j, point: means[j]!.map((m) => m + 2 * random() - 1) };
          }));
        // Little forgetting: the centers converge to the clusters' means (a strongly
        // forgetting model tracks the last batch's mean, a few points' noise away).
        // Initial centers off their mean by up to 5 in each coordinate: nearer their own cluster than any other.
        const initial = means.map((m) => m.map((x) => x + 10 * random() - 5));
        const { ssc, clock } = testContext();
        const kmeans = new StreamingKMeans({ k, decayFactor: timeUnit === "batches" ? 0.95 : 0.999, timeUnit }).setInitialCenters(initial, new Array<number>(k).fill(0));
        const input = ssc.queueStream(batches.map((b) => b.map((p) => p.point)));
        kmeans.trainOn(input);
        const predicted: number[][] = [];
        pipe(kmeans.predictOn(input), foreachRDD((rdd) => void predicted.push(rdd.collect())));
        ssc.start();
        await clock.advance(Seconds(batches.length));
        await ssc.stop();
        const centers = kmeans.latestModel().clusterCenters;
        centers.forEach((c, j) => {
          const distance = Math.hypot(...c.map((x, i) => x - means[j]![i]!));
          if (!(distance < 0.5 * Math.sqrt(dim))) throw new Error(`center ${j} ${c} is ${distance} from its mean ${means[j]}`);
        });
        batches.forEach((b, n) => {
          if (predicted[n]!.some((p, i) => p !== b[i]!.j)) throw new Error(`batch ${n}: predictions ${predicted[n]} are not the clusters ${b.map((p) => p.j)}`);
        });
      },
    ),
    { numRuns: 25 },
  ), "25 generated streams");
});

t.test("streaming linear regression recovers known weights from noiseless points", async (t) => {
  await t.resolves(fc.assert(
    fc.asyncProperty(
      fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      async (trueWeights, seed) => {
        const random = uniform(seed);
        const dim = trueWeights.length;
        const batches = Array.from({ length: 8 }, () =>
          Array.from({ length: 100 }, () => {
            const x = Array.from({ length: dim }, () => 2 * random() - 1);
            return new LabeledPoint(x.reduce((s, xi, i) => s + xi * trueWeights[i]!, 0), x);
          }));
        const { ssc, clock } = testContext();
        const lr = new StreamingLinearRegressionWithSGD({ stepSize: 1, numIterations: 100, convergenceTol: 0, initialWeights: new Array<number>(dim).fill(0) });
        lr.trainOn(ssc.queueStream(batches));
        ssc.start();
        await clock.advance(Seconds(batches.length));
        await ssc.stop();
        const learned = lr.latestModel().weights;
        learned.forEach((w, i) => {
          if (!(Math.abs(w - trueWeights[i]!) < 0.01)) throw new Error(`weight ${i}: learned ${w}, true ${trueWeights[i]}`);
        });
      },
    ),
    { numRuns: 25 },
  ), "25 generated streams");
});

t.test("streaming logistic regression separates classes split by a known hyperplane", async (t) => {
  await t.resolves(fc.assert(
    fc.asyncProperty(
      fc.array(fc.double({ min: 0.5, max: 3, noNaN: true }).chain((m) => fc.constantFrom(m, -m)), { minLength: 2, maxLength: 5 }),
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      async (normal, seed) => {
        const random = uniform(seed);
        const dim = normal.length;
        // Points at least 0.2 away from the hyperplane normal · x = 0.
        const draw = () => {
          for (;;) {
            const x = Array.from({ length: dim }, () => 2 * random() - 1);
            const m = x.reduce((s, xi, i) => s + xi * normal[i]!, 0);
            if (Math.abs(m) > 0.2) return new LabeledPoint(m > 0 ? 1 : 0, x);
          }
        };
        const batches = Array.from({ length: 6 }, () => Array.from({ length: 100 }, draw));
        const { ssc, clock } = testContext();
        const logistic = new StreamingLogisticRegressionWithSGD({ stepSize: 5, numIterations: 50, regParam: 0, initialWeights: new Array<number>(dim).fill(0) });
        logistic.trainOn(ssc.queueStream(batches));
        ssc.start();
        await clock.advance(Seconds(batches.length));
        await ssc.stop();
        const model = logistic.latestModel();
        const test = Array.from({ length: 200 }, draw);
        const right = test.filter((p) => model.predict(p.features) === p.label).length;
        if (right < 0.95 * test.length) throw new Error(`${right} of ${test.length} right with weights ${model.weights}`);
      },
    ),
    { numRuns: 20 },
  ), "20 generated streams");
});
