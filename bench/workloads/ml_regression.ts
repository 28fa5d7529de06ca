/**
 * ML 2. Streaming linear regression (d = 100; SGD with 20 iterations of step
 * 0.1/√i per batch, full batch, convergence tolerance 0.001): labelled points per
 * second through `StreamingLinearRegressionWithSGD.trainOn`. The hand loop is MLlib's
 * mini-batch SGD written out; RxJS and Effect drive that same loop batch by batch.
 * PySpark's MLlib on the same input: `npm run bench:mllib`.
 */
import { Effect, Stream } from "effect";
import { concatMap, from, of, tap } from "rxjs";
import { foreachRDD, pipe } from "../../mod.ts";
import { LabeledPoint, StreamingLinearRegressionWithSGD } from "../../ml.ts";
import { runDStreams, runEffect, runRx } from "../_drivers.ts";
import type { Workload } from "../harness.ts";
import { modelDigest, REGRESSION_DIM, type RegressionInput, regressionFingerprint, regressionInput, SGD } from "./ml_data.ts";

const handRun = () => {
  const n = REGRESSION_DIM;
  const weights = new Float64Array(n);
  const gradient = new Float64Array(n);
  const previous = new Float64Array(n);
  return (batch: RegressionInput["batches"][number]): number => {
    for (let it = 1; it <= SGD.numIterations; it++) {
      gradient.fill(0);
      for (let p = 0; p < batch.length; p++) {
        const { label, features } = batch[p]!;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += features[i]! * weights[i]!;
        const diff = dot - label;
        for (let i = 0; i < n; i++) gradient[i]! += diff * features[i]!;
      }
      previous.set(weights);
      const step = SGD.stepSize / Math.sqrt(it);
      for (let i = 0; i < n; i++) weights[i]! -= step * (gradient[i]! / batch.length);
      if (it > 1) {
        let d2 = 0;
        let w2 = 0;
        for (let i = 0; i < n; i++) {
          d2 += (weights[i]! - previous[i]!) ** 2;
          w2 += weights[i]! ** 2;
        }
        if (Math.sqrt(d2) < SGD.convergenceTol * Math.max(Math.sqrt(w2), 1)) break;
      }
    }
    return modelDigest(weights);
  };
};

export const mlRegression: Workload<RegressionInput & { readonly points: ReadonlyArray<ReadonlyArray<LabeledPoint>> }, number> = {
  id: "ml-regression",
  title: "ML 2. streaming linear regression (d=100)",
  unit: "points",
  prepare: (mode) => {
    const input = regressionInput(mode);
    return { ...input, points: input.batches.map((b) => b.map((p) => new LabeledPoint(p.label, p.features))) };
  },
  records: (input) => input.batches.reduce((n, b) => n + b.length, 0),
  fingerprint: regressionFingerprint,
  digest: (n) => n,
  light: (n) => n & 0xff,
  contenders: {
    "hand loop": async (input, sink) => {
      const step = handRun();
      for (const batch of input.batches) sink([step(batch)]);
    },
    dstreams: (input, sink) =>
      runDStreams(input.points, (points) => {
        const lr = new StreamingLinearRegressionWithSGD({ ...SGD, initialWeights: new Array<number>(REGRESSION_DIM).fill(0) });
        lr.trainOn(points);
        pipe(points, foreachRDD(() => sink([modelDigest(lr.latestModel().weights)])));
      }),
    RxJS: (input, sink) => {
      const step = handRun();
      return runRx(from(input.batches).pipe(concatMap((batch) => of(step(batch))), tap((n) => sink([n]))));
    },
    Effect: (input, sink) => {
      const step = handRun();
      return runEffect(Stream.fromIterable(input.batches).pipe(
        Stream.map(step),
        Stream.runForEach((n) => Effect.sync(() => sink([n]))),
      ));
    },
  },
};
