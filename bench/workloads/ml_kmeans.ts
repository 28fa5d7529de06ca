/**
 * ML 1. Streaming k-means (k = 10, d = 10, decay 1 per batch): points per second
 * through `StreamingKMeans.trainOn`. The hand loop is MLlib's update written out; RxJS
 * and Effect have no MLlib, so they drive that same loop batch by batch (the cost of
 * their scheduling around it). PySpark's MLlib on the same input: `npm run bench:mllib`.
 */
import { Effect, Stream } from "effect";
import { concatMap, from, of, tap } from "rxjs";
import { foreachRDD, pipe } from "../../mod.ts";
import { StreamingKMeans } from "../../ml.ts";
import { runDStreams, runEffect, runRx } from "../_drivers.ts";
import type { Workload } from "../harness.ts";
import { type KMeansInput, kmeansFingerprint, kmeansInput, modelDigest } from "./ml_data.ts";

/** MLlib's update (decay 1 per batch), in one loop; returns the new centers and weights. */
const handUpdate = (centers: Float64Array, weights: Float64Array, k: number, dim: number, batch: ReadonlyArray<number[]>): void => {
  const sums = new Float64Array(k * dim);
  const counts = new Float64Array(k);
  for (let p = 0; p < batch.length; p++) {
    const x = batch[p]!;
    let best = 0;
    let bestD = Infinity;
    for (let j = 0; j < k; j++) {
      let d = 0;
      for (let i = 0; i < dim; i++) {
        const diff = x[i]! - centers[j * dim + i]!;
        d += diff * diff;
      }
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    counts[best]!++;
    for (let i = 0; i < dim; i++) sums[best * dim + i]! += x[i]!;
  }
  for (let j = 0; j < k; j++) {
    const count = counts[j]!;
    if (count === 0) continue;
    const updated = weights[j]! + count;
    const lambda = count / Math.max(updated, 1e-16);
    weights[j] = updated;
    for (let i = 0; i < dim; i++) centers[j * dim + i] = (1 - lambda) * centers[j * dim + i]! + (lambda / count) * sums[j * dim + i]!;
  }
};

const handRun = (input: KMeansInput) => {
  const k = input.centers.length;
  const dim = input.centers[0]!.length;
  const centers = Float64Array.from(input.centers.flat());
  const weights = new Float64Array(k);
  return (batch: ReadonlyArray<number[]>): number => {
    handUpdate(centers, weights, k, dim, batch);
    return modelDigest([...centers, ...weights]);
  };
};

export const mlKMeans: Workload<KMeansInput, number> = {
  id: "ml-kmeans",
  title: "ML 1. streaming k-means (k=10, d=10)",
  unit: "points",
  prepare: kmeansInput,
  records: (input) => input.batches.reduce((n, b) => n + b.length, 0),
  fingerprint: kmeansFingerprint,
  digest: (n) => n,
  light: (n) => n & 0xff,
  notes: () => ["ML rows: RxJS and Effect run the hand loop's update per batch (they have no MLlib); PySpark's MLlib on the same input: after the table (--only=mllib, or npm run bench:mllib)"],
  contenders: {
    "hand loop": async (input, sink) => {
      const step = handRun(input);
      for (const batch of input.batches) sink([step(batch)]);
    },
    dstreams: (input, sink) =>
      runDStreams(input.batches, (points) => {
        const kmeans = new StreamingKMeans({ k: input.centers.length, decayFactor: 1 }).setInitialCenters(input.centers, new Array<number>(input.centers.length).fill(0));
        kmeans.trainOn(points);
        pipe(
          points,
          foreachRDD(() => {
            const model = kmeans.latestModel();
            sink([modelDigest([...model.clusterCenters.flat(), ...model.clusterWeights])]);
          }),
        );
      }),
    RxJS: (input, sink) => {
      const step = handRun(input);
      return runRx(from(input.batches).pipe(concatMap((batch) => of(step(batch))), tap((n) => sink([n]))));
    },
    Effect: (input, sink) => {
      const step = handRun(input);
      return runEffect(Stream.fromIterable(input.batches).pipe(
        Stream.map(step),
        Stream.runForEach((n) => Effect.sync(() => sink([n]))),
      ));
    },
  },
};
