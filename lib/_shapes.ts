/**
 * Keeps one idle instance of each class the hot paths allocate per batch alive for the
 * life of the process.
 *
 * V8 lets the hidden classes of a class's instances die once no instance holds them,
 * and deoptimizes the code that was specialised on them ("weak objects"). A full GC that
 * found no table alive (between two batches or two jobs) made the next batch run
 * unoptimized: a 100k-word `reduceByKey` took 17 ms instead of 4, and every run of the
 * word-count benchmark paid ≈ 9 ms in its first batch. One instance each keeps those
 * hidden classes, and the optimized code, alive.
 *
 * @module
 */

const kept: object[] = [];

/** Keeps `instance` (and so its hidden class) alive for good; returns it. */
export const keepShapeOf = <T extends object>(instance: T): T => {
  kept.push(instance);
  return instance;
};
