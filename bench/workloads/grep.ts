/**
 * 2. Grep (the D-Streams paper's): the lines containing a fixed substring, counted per
 * batch. Same lines as word count; the substring is a mid-frequency word.
 */
import { Effect, Stream } from "effect";
import { concatMap, count as rxCount, filter as rxFilter, from, tap } from "rxjs";
import { count, filter, pipe } from "../../mod.ts";
import { runDStreams, runEffect, runRx, toSink } from "../_drivers.ts";
import { mix } from "../_data.ts";
import type { Workload } from "../harness.ts";
import { countRecords, type LineInput, lines, linesFingerprint, size, theVocabulary } from "./_common.ts";

/** The word of rank 60: on 1.7 % of the lines (no other word contains it). */
const needle = (): string => theVocabulary()[60]!;

export const grep: Workload<LineInput & { readonly needle: string }, number> = {
  id: "grep",
  title: "2. grep",
  unit: "lines",
  prepare: (mode) => ({ ...lines(size(mode, 100, 3), size(mode, 10_000, 200)), needle: needle() }),
  records: countRecords,
  fingerprint: linesFingerprint,
  digest: (n) => mix(n, 0x5eed),
  light: (n) => n,
  contenders: {
    "hand loop": async ({ batches, needle }, sink) => {
      for (const batch of batches) {
        let n = 0;
        for (let i = 0; i < batch.length; i++) if (batch[i]!.includes(needle)) n++;
        sink([n]);
      }
    },
    dstreams: ({ batches, needle }, sink) =>
      runDStreams(batches, (input) =>
        pipe(
          input,
          filter((line: string) => line.includes(needle)),
          count(),
          toSink(sink),
        )),
    RxJS: ({ batches, needle }, sink) =>
      runRx(from(batches).pipe(
        concatMap((batch) => from(batch).pipe(rxFilter((line) => line.includes(needle)), rxCount())),
        tap((n) => sink([n])),
      )),
    Effect: ({ batches, needle }, sink) =>
      runEffect(Stream.fromArray(batches).pipe(
        Stream.mapEffect((batch) => Stream.fromArray(batch).pipe(Stream.filter((line) => line.includes(needle)), Stream.runCount)),
        Stream.runForEach((n) => Effect.sync(() => sink([n]))),
      )),
  },
};
