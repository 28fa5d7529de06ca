/**
 * 4. Running counts: `updateStateByKey` keeping a count per key over 1,000,000
 * distinct keys. Ten "fill" batches bring 100,000 new keys each; ten steady batches
 * then bring 100,000 records over keys drawn uniformly from all 1,000,000. Every batch
 * outputs the whole state (Spark's semantics: one record per key with a state).
 *
 * Reported: records per second over the run, ms per steady batch, and heap bytes per
 * key of state: heap in use after a full GC at the last batch (before its output is
 * read) minus the heap before the run, over 1,000,000 (needs `--expose-gc`; the input,
 * whose key strings the state shares, is live in both measurements).
 */
import { Effect, Stream } from "effect";
import { isSome, some } from "fp-ts/lib/Option.js";
import type { Option } from "fp-ts/lib/Option.js";
import { from, scan, tap } from "rxjs";
import { map, pipe, updateStateByKey } from "../../mod.ts";
import { fingerprint, hashString, mix, Prng } from "../_data.ts";
import { runDStreams, runEffect, runRx, toSink } from "../_drivers.ts";
import type { Workload } from "../harness.ts";
import { meanGap } from "./_common.ts";

interface RunningInput {
  readonly batches: string[][];
  readonly keys: number;
  readonly fill: number;
}

type Count = readonly [string, number];

const prepare = (keys: number, perBatch: number, steady: number): RunningInput => {
  const names: string[] = new Array(keys);
  for (let i = 0; i < keys; i++) names[i] = `key-${i}`;
  const batches: string[][] = [];
  const fill = Math.ceil(keys / perBatch);
  for (let b = 0; b < fill; b++) batches.push(names.slice(b * perBatch, Math.min(keys, (b + 1) * perBatch)));
  const prng = new Prng(404);
  for (let b = 0; b < steady; b++) {
    const batch: string[] = new Array(perBatch);
    for (let i = 0; i < perBatch; i++) batch[i] = names[prng.int(keys)]!;
    batches.push(batch);
  }
  return { batches, keys, fill };
};

/** Adds one to each of the batch's keys, in place. */
const countInto = (state: Map<string, number>, batch: ReadonlyArray<string>): Map<string, number> => {
  for (let i = 0; i < batch.length; i++) {
    const k = batch[i]!;
    state.set(k, (state.get(k) ?? 0) + 1);
  }
  return state;
};

const sum = (values: ReadonlyArray<number>): number => {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
};

export const runningCounts: Workload<RunningInput, Count> = {
  id: "running-counts",
  title: "4. running counts",
  unit: "records",
  runs: 3,
  prepare: (mode) => (mode.quick ? prepare(1_000, 250, 3) : prepare(1_000_000, 100_000, 10)),
  records: (input) => input.batches.reduce((n, b) => n + b.length, 0),
  fingerprint: (input) => fingerprint(input.batches),
  digest: (r) => mix(hashString(r[0]), r[1]),
  light: (r) => r[1],
  heapAtSinkCall: (input) => input.batches.length - 1,
  heapKeys: (input) => input.keys,
  extras: (times, _start, input) => ({ msPerSteadyBatch: meanGap(times, input.fill - 1) }),
  contenders: {
    "hand loop": async ({ batches }, sink) => {
      const state = new Map<string, number>();
      for (const batch of batches) {
        countInto(state, batch);
        sink(() => Array.from(state));
      }
    },
    // The limit: each key's slot in one array of [key, count] pairs kept for the run; a
    // batch replaces the pairs of the keys it touched (new pairs: handed-out outputs stay
    // as they were) and the array itself is the output, with no copy and no new pairs for
    // untouched keys.
    "tuned loop": async ({ batches }, sink) => {
      const slots = new Map<string, number>();
      const pairs: Count[] = [];
      for (const batch of batches) {
        for (let i = 0; i < batch.length; i++) {
          const k = batch[i]!;
          const slot = slots.get(k);
          if (slot === undefined) {
            slots.set(k, pairs.length);
            pairs.push([k, 1]);
          } else pairs[slot] = [k, pairs[slot]![1] + 1];
        }
        sink(pairs);
      }
    },
    dstreams: ({ batches }, sink) =>
      runDStreams(batches, (input) =>
        pipe(
          input,
          map((key: string) => [key, 1] as const),
          updateStateByKey((values: ReadonlyArray<number>, state: Option<number>) => some(sum(values) + (isSome(state) ? state.value : 0))),
          toSink(sink),
        )),
    // As their experts write it: the state updated in place, one step per batch.
    RxJS: ({ batches }, sink) =>
      runRx(from(batches).pipe(
        scan(countInto, new Map<string, number>()),
        tap((state) => sink(() => Array.from(state))),
      )),
    Effect: ({ batches }, sink) =>
      runEffect(Stream.fromArray(batches).pipe(
        // One batch per chunk: mapAccum steps a whole chunk before its outputs go on, and
        // every output is the same (mutated) Map, read when it arrives.
        Stream.rechunk(1),
        Stream.mapAccum(() => new Map<string, number>(), (state, batch: ReadonlyArray<string>) => [countInto(state, batch), [state]] as const),
        Stream.runForEach((state) => Effect.sync(() => sink(() => Array.from(state)))),
      )),
  },
};
