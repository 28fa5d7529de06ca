/**
 * 1. Word count: lines of 10 words from a 10,000-word Zipf-like vocabulary, 10,000
 * lines per batch; flatMap → map → reduceByKey; every batch's counts are the output.
 */
import { Effect, Stream } from "effect";
import { concatMap, from, tap } from "rxjs";
import { flatMap, map, pipe, reduceByKey } from "../../mod.ts";
import { runDStreams, runEffect, runRx, toSink } from "../_drivers.ts";
import type { Workload } from "../harness.ts";
import {
  countRecords,
  effectCountWords,
  type LineInput,
  lines,
  linesFingerprint,
  rxCountWords,
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
      for (const batch of batches) {
        const counts = new Map<string, number>();
        for (let i = 0; i < batch.length; i++) {
          const words = batch[i]!.split(" ");
          for (let j = 0; j < words.length; j++) {
            const w = words[j]!;
            counts.set(w, (counts.get(w) ?? 0) + 1);
          }
        }
        sink(counts);
      }
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
        tap((counts) => sink(counts)),
      )),
    Effect: ({ batches }, sink) =>
      runEffect(Stream.fromIterable(batches).pipe(
        Stream.mapEffect(effectCountWords),
        Stream.runForEach((counts) => Effect.sync(() => sink(counts))),
      )),
  },
};
