/**
 * 1. Word count: lines of 10 words from a 10,000-word Zipf-like vocabulary, 10,000
 * lines per batch; flatMap → map → reduceByKey; every batch's counts are the output.
 *
 * The peers are written as their experts would (a `reduce`/`runFold` over the lines);
 * the naive per-word forms are extra rows, and so is the tuned loop (the limit).
 */
import { Effect, Stream } from "effect";
import { concatMap, from, tap } from "rxjs";
import { flatMap, map, pipe, reduceByKey } from "../../mod.ts";
import { runDStreams, runEffect, runRx, toSink } from "../_drivers.ts";
import type { Workload } from "../harness.ts";
import {
  countBatch,
  countBatchTuned,
  countRecords,
  effectCountWords,
  effectCountWordsNaive,
  type LineInput,
  lines,
  linesFingerprint,
  rxCountWords,
  rxCountWordsNaive,
  size,
  type WordCount,
  wordCountDigest,
  wordCountLight,
} from "./_common.ts";

export const wordCount: Workload<LineInput, WordCount> = {
  id: "wordcount",
  title: "1. word count",
  unit: "lines",
  prepare: (mode) => lines(size(mode, 20, 3), size(mode, 10_000, 200)),
  records: countRecords,
  fingerprint: linesFingerprint,
  digest: wordCountDigest,
  light: wordCountLight,
  contenders: {
    "hand loop": async ({ batches }, sink) => {
      for (const batch of batches) sink(Array.from(countBatch(batch)));
    },
    "tuned loop": async ({ batches }, sink) => {
      for (const batch of batches) sink(Array.from(countBatchTuned(batch)));
    },
    dstreams: ({ batches }, sink) =>
      runDStreams(batches, (input) =>
        pipe(
          input,
          flatMap((line: string) => line.split(" ")),
          map((word: string) => [word, 1] as const),
          reduceByKey((a: number, b: number) => a + b),
          toSink(sink),
        )),
    RxJS: ({ batches }, sink) =>
      runRx(from(batches).pipe(
        concatMap(rxCountWords),
        tap((counts) => sink(Array.from(counts))),
      )),
    Effect: ({ batches }, sink) =>
      runEffect(Stream.fromArray(batches).pipe(
        Stream.mapEffect(effectCountWords),
        Stream.runForEach((counts) => Effect.sync(() => sink(Array.from(counts)))),
      )),
    "RxJS naive": ({ batches }, sink) =>
      runRx(from(batches).pipe(
        concatMap(rxCountWordsNaive),
        tap((counts) => sink(Array.from(counts))),
      )),
    "Effect naive": ({ batches }, sink) =>
      runEffect(Stream.fromArray(batches).pipe(
        Stream.mapEffect(effectCountWordsNaive),
        Stream.runForEach((counts) => Effect.sync(() => sink(Array.from(counts)))),
      )),
  },
};
