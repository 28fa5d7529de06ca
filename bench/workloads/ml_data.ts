/**
 * The inputs of the ML workloads (k-means k = 10, d = 10; linear regression d = 100),
 * shared by `npm run bench` and `npm run bench:mllib` (which writes them for PySpark).
 */
import { fingerprint, mix, Prng } from "../_data.ts";
import type { Mode } from "../harness.ts";
import { size } from "./_common.ts";

export const KMEANS_K = 10;
export const KMEANS_DIM = 10;
export const REGRESSION_DIM = 100;
/** SGD per batch, the same on both sides: MLlib's streaming defaults but 20 iterations. */
export const SGD = { stepSize: 0.1, numIterations: 20, miniBatchFraction: 1, convergenceTol: 0.001 } as const;

export interface KMeansInput {
  readonly batches: ReadonlyArray<ReadonlyArray<number[]>>;
  readonly centers: ReadonlyArray<ReadonlyArray<number>>;
}

export interface RegressionInput {
  readonly batches: ReadonlyArray<ReadonlyArray<{ readonly label: number; readonly features: number[] }>>;
}

/** Roughly normal: the sum of 4 uniforms, centered, variance 1/3. */
const noise = (random: Prng): number => random.next() + random.next() + random.next() + random.next() - 2;

export const kmeansInput = (mode: Mode): KMeansInput => {
  const random = new Prng(0x6b6d);
  const means = Array.from({ length: KMEANS_K }, () => Array.from({ length: KMEANS_DIM }, () => 20 * random.next() - 10));
  const batches = Array.from({ length: size(mode, 20, 3) }, () =>
    Array.from({ length: size(mode, 10_000, 300) }, () => {
      const m = means[random.int(KMEANS_K)]!;
      return m.map((x) => x + noise(random));
    }));
  const centers = means.map((m) => m.map((x) => x + 2 * noise(random)));
  return { batches, centers };
};

export const regressionInput = (mode: Mode): RegressionInput => {
  const random = new Prng(0x1e9);
  const weights = Array.from({ length: REGRESSION_DIM }, () => 2 * random.next() - 1);
  const batches = Array.from({ length: size(mode, 10, 3) }, () =>
    Array.from({ length: size(mode, 2_000, 100) }, () => {
      const features = Array.from({ length: REGRESSION_DIM }, () => 2 * random.next() - 1);
      let label = 0.1 * noise(random);
      for (let i = 0; i < REGRESSION_DIM; i++) label += features[i]! * weights[i]!;
      return { label, features };
    }));
  return { batches };
};

export const kmeansFingerprint = (input: KMeansInput): string => fingerprint(input.batches);
export const regressionFingerprint = (input: RegressionInput): string => fingerprint(input.batches.map((b) => b.map((p) => p.label)));

/** A model after a batch as one 32-bit number: its values to 6 decimals, hashed. */
export const modelDigest = (values: Iterable<number>): number => {
  let h = 0x811c9dc5;
  for (const x of values) h = mix(h, Math.round(x * 1e6) | 0);
  return h >>> 0;
};
