/**
 * 5. Empty batches: 10,000 batches with no records through a three-step pipeline
 * (flatMap → map → reduceByKey, then an output). What a batch costs when there is
 * nothing to do: scheduling, lineage, RDD set-up, the output call. Rate is batches/s.
 */
import { Effect, Stream } from "effect";
import { concatMap, from, map as rxMap, mergeMap, reduce as rxReduce, tap } from "rxjs";
import { flatMap, map, pipe, reduceByKey } from "../../mod.ts";
import { runDStreams, runEffect, runRx, toSink } from "../_drivers.ts";
import type { Workload } from "../harness.ts";
import { add, size, type WordCount, wordCountDigest, wordCountLight } from "./_common.ts";

interface EmptyInput {
  readonly batches: ReadonlyArray<ReadonlyArray<string>>;
}

export const emptyBatches: Workload<EmptyInput, WordCount> = {
  id: "empty-batches",
  title: "5. empty batches",
  unit: "batches",
  prepare: (mode) => ({ batches: Array.from({ length: size(mode, 10_000, 100) }, () => []) }),
  records: (input) => input.batches.length,
  fingerprint: (input) => `${input.batches.length} empty batches`,
  digest: wordCountDigest,
  light: wordCountLight,
  extras: (times, start, input) => ({ usPerBatch: ((times[times.length - 1]! - start) / input.batches.length) * 1000 }),
  contenders: {
    "hand loop": async ({ batches }, sink) => {
      for (const batch of batches) {
        const counts = new Map<string, number>();
        for (let i = 0; i < batch.length; i++) {
          const words = batch[i]!.split(" ");
          for (let j = 0; j < words.length; j++) add(counts, words[j]!, 1);
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
        concatMap((batch) =>
          from(batch).pipe(
            mergeMap((line) => line.split(" ")),
            rxMap((word) => [word, 1] as const),
            rxReduce((counts, [word, n]) => add(counts, word, n), new Map<string, number>()),
          )
        ),
        tap((counts) => sink(counts)),
      )),
    Effect: ({ batches }, sink) =>
      runEffect(Stream.fromIterable(batches).pipe(
        Stream.mapEffect((batch) =>
          Stream.fromIterable(batch).pipe(
            Stream.map((line) => line.split(" ")),
            Stream.flattenIterable,
            Stream.map((word) => [word, 1] as const),
            Stream.runFold(() => new Map<string, number>(), (counts, [word, n]) => add(counts, word, n)),
          )
        ),
        Stream.runForEach((counts) => Effect.sync(() => sink(counts))),
      )),
  },
};
