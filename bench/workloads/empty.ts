/**
 * 5. Empty batches: 10,000 batches with no records through a three-step pipeline
 * (flatMap → map → reduceByKey, then an output). What a batch costs when there is
 * nothing to do: scheduling, lineage, RDD set-up, the output call. Rate is batches/s.
 */
import type { Workload } from "../harness.ts";
import { type LineInput, size, type WordCount, wordCountDigest, wordCountLight } from "./_common.ts";
import { wordCount } from "./wordcount.ts";

export const emptyBatches: Workload<LineInput, WordCount> = {
  id: "empty-batches",
  title: "5. empty batches",
  unit: "batches",
  prepare: (mode) => ({ batches: Array.from({ length: size(mode, 10_000, 100) }, () => []) }),
  records: (input) => input.batches.length,
  fingerprint: (input) => `${input.batches.length} empty batches`,
  digest: wordCountDigest,
  light: wordCountLight,
  extras: (times, start, input) => ({ usPerBatch: ((times[times.length - 1]! - start) / input.batches.length) * 1000 }),
  // The same contenders as the word count (only the input differs), without the tuned
  // loop: with no words its figure is the hand loop's.
  contenders: (({ "tuned loop": _tuned, ...rest }) => rest)(wordCount.contenders),
};
