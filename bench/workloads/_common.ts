/** Inputs and checks shared by the word-based workloads. */
import { fingerprint, hashString, lineBatches, mix, vocabulary } from "../_data.ts";
import type { Mode } from "../harness.ts";
import { Stream } from "effect";
import { from, map as rxMap, mergeMap, type Observable, reduce as rxReduce } from "rxjs";

export const SEED = 20_240_605;
export const VOCABULARY_SIZE = 10_000;
export const WORDS_PER_LINE = 10;

let vocab: string[] | undefined;
/** The 10,000-word vocabulary, most frequent first (built once per process). */
export const theVocabulary = (): string[] => (vocab ??= vocabulary(VOCABULARY_SIZE, SEED));

export interface LineInput {
  readonly batches: string[][];
}

/** `batches` batches of `linesPerBatch` lines of 10 Zipf-distributed words. */
export const lines = (batches: number, linesPerBatch: number, seed = SEED + 1): LineInput => ({
  batches: lineBatches({ batches, linesPerBatch, wordsPerLine: WORDS_PER_LINE, vocabulary: theVocabulary(), seed }),
});

export const countRecords = (input: LineInput): number => input.batches.reduce((n, b) => n + b.length, 0);
export const linesFingerprint = (input: LineInput): string => fingerprint(input.batches);

export type WordCount = readonly [string, number];
export const wordCountDigest = (r: WordCount): number => mix(hashString(r[0]), r[1]);
export const wordCountLight = (r: WordCount): number => r[1];

/** Full mode or quick mode sizes. */
export const size = (mode: Mode, full: number, quick: number): number => (mode.quick ? quick : full);

/** Adds `n` to `word`'s count. */
export const add = (counts: Map<string, number>, word: string, n: number): Map<string, number> =>
  counts.set(word, (counts.get(word) ?? 0) + n);

/** Ms per batch from sink times: mean gap over sink calls [from, to). */
export const meanGap = (times: ReadonlyArray<number>, from: number, to: number = times.length): number => {
  if (to - from < 2) return Number.NaN;
  return (times[to - 1]! - times[from]!) / (to - 1 - from);
};

/** Counts one line's words into `counts` (split on " "): the idiomatic loop body. */
export const countLine = (counts: Map<string, number>, line: string): Map<string, number> => {
  const words = line.split(" ");
  for (let j = 0; j < words.length; j++) {
    const w = words[j]!;
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
};

/** One batch's word counts: the idiomatic hand loop (split per line, one `Map`). */
export const countBatch = (batch: ReadonlyArray<string>): Map<string, number> => {
  const counts = new Map<string, number>();
  for (let i = 0; i < batch.length; i++) countLine(counts, batch[i]!);
  return counts;
};

/**
 * One batch's word counts, tuned: words cut out with `indexOf`/`slice` (no array of
 * words per line), one `Map`. The "limit" row: as fast as this bench knows how to count
 * words in JavaScript strings.
 */
export const countBatchTuned = (batch: ReadonlyArray<string>): Map<string, number> => {
  const counts = new Map<string, number>();
  for (let i = 0; i < batch.length; i++) {
    const line = batch[i]!;
    let from = 0;
    for (;;) {
      const to = line.indexOf(" ", from);
      const w = to === -1 ? line.slice(from) : line.slice(from, to);
      counts.set(w, (counts.get(w) ?? 0) + 1);
      if (to === -1) break;
      from = to + 1;
    }
  }
  return counts;
};

/**
 * One batch's word counts in RxJS, as its experts write it: one `reduce` over the lines,
 * each line's words counted in the reducer (an operator per line, not per word).
 */
export const rxCountWords = (batch: ReadonlyArray<string>): Observable<Map<string, number>> =>
  from(batch).pipe(rxReduce(countLine, new Map<string, number>()));

/** One batch's word counts with Effect's Stream, as its experts write it: `runFold` over the lines. */
export const effectCountWords = (batch: ReadonlyArray<string>) =>
  Stream.fromArray(batch).pipe(Stream.runFold(() => new Map<string, number>(), countLine));

/** The naive RxJS form (earlier peers): one operator per word (`mergeMap` the words, `map` to pairs). */
export const rxCountWordsNaive = (batch: ReadonlyArray<string>): Observable<Map<string, number>> =>
  from(batch).pipe(
    mergeMap((line) => line.split(" ")),
    rxMap((word) => [word, 1] as const),
    rxReduce((counts, [word, n]) => add(counts, word, n), new Map<string, number>()),
  );

/** The naive Effect form (earlier peers): `flattenIterable` the words, `map` to pairs, `runFold`. */
export const effectCountWordsNaive = (batch: ReadonlyArray<string>) =>
  Stream.fromIterable(batch).pipe(
    Stream.map((line) => line.split(" ")),
    Stream.flattenIterable,
    Stream.map((word) => [word, 1] as const),
    Stream.runFold(() => new Map<string, number>(), (counts, [word, n]) => add(counts, word, n)),
  );
