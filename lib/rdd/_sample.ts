/**
 * The random draws of `RDD.sample`: a small seeded generator per partition, so one seed
 * gives one sample, whatever else runs.
 *
 * @module
 */
import { murmur3HashInt, numberHashCode } from "./_hash.ts";

/** Mulberry32: a 32-bit seeded generator of floats in [0, 1). */
export const seededRandom = (seed: number): () => number => {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** The generator of partition `partition` for a sample seeded `seed` (Spark seeds each with seed + index). */
export const partitionRandom = (seed: number, partition: number): () => number =>
  seededRandom(murmur3HashInt(numberHashCode(seed) ^ murmur3HashInt(partition)));

/** How many copies of a record a sample with replacement keeps: a Poisson draw of mean `mean`. */
export const poisson = (mean: number, random: () => number): number => {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
};
