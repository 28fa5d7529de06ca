/**
 * 1b. Batch-size sweep: workload 1's word count over the same 200,000 lines cut into
 * batches of 100, 1,000, 10,000 and 100,000 lines. Small batches show the fixed cost per
 * batch (scheduling, lineage, the output); large ones the cost per record. The rate is
 * over all four sizes; `k@<size>` is thousands of lines per second at each size.
 */
import { performance } from "node:perf_hooks";
import { Effect, Stream } from "effect";
import { concatMap, from, tap } from "rxjs";
import { flatMap, map, pipe, reduceByKey } from "../../mod.ts";
import { fingerprint } from "../_data.ts";
import { runDStreams, runEffect, runRx, toSink } from "../_drivers.ts";
import type { Sink, Workload } from "../harness.ts";
import {
  countBatch,
  countBatchTuned,
  effectCountWords,
  lines,
  rxCountWords,
  size,
  type WordCount,
  wordCountDigest,
  wordCountLight,
} from "./_common.ts";

interface SweepInput {
  /** The same lines, batched at each size. */
  readonly bySize: ReadonlyArray<{ readonly size: number; readonly batches: string[][] }>;
  readonly lines: number;
}

const rebatch = (all: ReadonlyArray<string>, n: number): string[][] => {
  const out: string[][] = [];
  for (let i = 0; i < all.length; i += n) out.push(all.slice(i, i + n));
  return out;
};

type Run = (batches: ReadonlyArray<ReadonlyArray<string>>, sink: Sink<WordCount>) => Promise<unknown>;

/** Runs one contender at every size, timing each; reports thousands of lines/s per size. */
const sweep = (run: Run) => async (input: SweepInput, sink: Sink<WordCount>) => {
  const extra: Record<string, number> = {};
  for (const { size, batches } of input.bySize) {
    const start = performance.now();
    await run(batches, sink);
    extra[`k@${size}`] = input.lines / (performance.now() - start);
  }
  return { extra };
};

export const batchSizeSweep: Workload<SweepInput, WordCount> = {
  id: "batch-size",
  title: "1b. batch-size sweep",
  unit: "lines",
  runs: 3,
  prepare: (mode) => {
    const total = size(mode, 200_000, 2_000);
    const sizes = mode.quick ? [10, 100, 1_000] : [100, 1_000, 10_000, 100_000];
    const all = lines(1, total, 717).batches[0]!;
    return { bySize: sizes.map((n) => ({ size: n, batches: rebatch(all, n) })), lines: total };
  },
  records: (input) => input.lines * input.bySize.length,
  fingerprint: (input) => `${input.bySize.map((s) => s.size).join("/")}: ${fingerprint(input.bySize[0]!.batches)}`,
  digest: wordCountDigest,
  light: wordCountLight,
  contenders: {
    "hand loop": sweep(async (batches, sink) => {
      for (const batch of batches) sink(Array.from(countBatch(batch)));
    }),
    "tuned loop": sweep(async (batches, sink) => {
      for (const batch of batches) sink(Array.from(countBatchTuned(batch)));
    }),
    dstreams: sweep((batches, sink) =>
      runDStreams(batches, (input) =>
        pipe(
          input,
          flatMap((line: string) => line.split(" ")),
          map((word: string) => [word, 1] as const),
          reduceByKey((a: number, b: number) => a + b),
          toSink(sink),
        ))
    ),
    RxJS: sweep((batches, sink) => runRx(from(batches).pipe(concatMap(rxCountWords), tap((counts) => sink(Array.from(counts)))))),
    Effect: sweep((batches, sink) =>
      runEffect(Stream.fromArray(batches).pipe(
        Stream.mapEffect(effectCountWords),
        Stream.runForEach((counts) => Effect.sync(() => sink(Array.from(counts)))),
      ))
    ),
  },
};
