/**
 * 3. Windowed word count: word counts over the last 30 batches, every batch,
 * `reduceByKeyAndWindow(+, −, 30 batches, 1 batch)`; keys whose count falls to 0 leave
 * the window (dstreams: a `filterFunc` dropping them; the others delete them).
 *
 * 3b. Window length: the same pipeline on smaller batches at window 10 and window 100;
 * time per batch once both windows are full. With an inverse function, a batch should
 * cost what enters and leaves the window, whatever its length (target: ≤ 1.2×).
 */
import { Effect, Stream } from "effect";
import { concatMap, from, scan, tap } from "rxjs";
import { flatMap, map, pipe, reduceByKeyAndWindow, Seconds } from "../../mod.ts";
import { runDStreams, runEffect, runRx, toSink } from "../_drivers.ts";
import type { Sink, Workload } from "../harness.ts";
import {
  add,
  countBatch,
  countBatchTuned,
  countRecords,
  effectCountWords,
  type LineInput,
  lines,
  linesFingerprint,
  meanGap,
  rxCountWords,
  size,
  type WordCount,
  wordCountDigest,
  wordCountLight,
} from "./_common.ts";

/** Subtracts a batch's counts from the window, deleting keys that reach 0. */
const subtract = (window: Map<string, number>, counts: ReadonlyMap<string, number>): void => {
  for (const [w, n] of counts) {
    const left = window.get(w)! - n;
    if (left === 0) window.delete(w);
    else window.set(w, left);
  }
};

interface WindowState {
  readonly window: Map<string, number>;
  readonly history: Array<ReadonlyMap<string, number> | undefined>;
}

/** Adds the batch that entered, subtracts the one that left (`length` batches ago). */
const slide = (state: WindowState, counts: ReadonlyMap<string, number>, length: number): WindowState => {
  for (const [w, n] of counts) add(state.window, w, n);
  state.history.push(counts);
  const leaving = state.history.length - 1 - length;
  if (leaving >= 0) {
    subtract(state.window, state.history[leaving]!);
    state.history[leaving] = undefined;
  }
  return state;
};

const newState = (): WindowState => ({ window: new Map(), history: [] });

type Run = (batches: ReadonlyArray<ReadonlyArray<string>>, length: number, sink: Sink<WordCount>) => Promise<void>;

const hand: Run = async (batches, length, sink) => {
  const state = newState();
  for (const batch of batches) sink(Array.from(slide(state, countBatch(batch), length).window));
};

/** The limit: the hand loop with the tuned word counting (indexOf/slice). */
const tuned: Run = async (batches, length, sink) => {
  const state = newState();
  for (const batch of batches) sink(Array.from(slide(state, countBatchTuned(batch), length).window));
};

const dstreams: Run = (batches, length, sink) =>
  runDStreams(batches, (input) =>
    pipe(
      input,
      flatMap((line: string) => line.split(" ")),
      map((word: string) => [word, 1] as const),
      reduceByKeyAndWindow(
        (a: number, b: number) => a + b,
        (a: number, b: number) => a - b,
        Seconds(length),
        Seconds(1),
        undefined,
        ([, n]: readonly [string, number]) => n !== 0,
      ),
      toSink(sink),
    ));

const rx: Run = (batches, length, sink) =>
  runRx(from(batches).pipe(
    concatMap(rxCountWords),
    scan((state: WindowState, counts: ReadonlyMap<string, number>) => slide(state, counts, length), newState()),
    tap((state) => sink(Array.from(state.window))),
  ));

const effect: Run = (batches, length, sink) =>
  runEffect(Stream.fromArray(batches).pipe(
    Stream.mapEffect(effectCountWords),
    Stream.mapAccum(newState, (state, counts: ReadonlyMap<string, number>) => {
      const next = slide(state, counts, length);
      return [next, [next.window]] as const;
    }),
    Stream.runForEach((window) => Effect.sync(() => sink(Array.from(window)))),
  ));

const WINDOW = 30;

export const windowedWordCount: Workload<LineInput & { readonly length: number }, WordCount> = {
  id: "windowed",
  title: "3. windowed word count",
  unit: "lines",
  runs: 5,
  prepare: (mode) => ({ ...lines(size(mode, 40, 6), size(mode, 10_000, 100), 303), length: size(mode, WINDOW, 3) }),
  records: countRecords,
  fingerprint: linesFingerprint,
  digest: wordCountDigest,
  light: wordCountLight,
  // Batches after the window filled: each adds one batch and subtracts one.
  extras: (times, _start, input) => ({ msPerBatchSteady: meanGap(times, input.length) }),
  contenders: {
    "hand loop": ({ batches, length }, sink) => hand(batches, length, sink),
    "tuned loop": ({ batches, length }, sink) => tuned(batches, length, sink),
    dstreams: ({ batches, length }, sink) => dstreams(batches, length, sink),
    RxJS: ({ batches, length }, sink) => rx(batches, length, sink),
    Effect: ({ batches, length }, sink) => effect(batches, length, sink),
  },
};

/** Short and long windows for 3b, and how many batches are timed once both are full. */
const SHORT = 10;
const LONG = 100;
const TIMED = 40;

interface LengthInput extends LineInput {
  readonly short: number;
  readonly long: number;
  readonly timed: number;
}

/** Runs window `short` then window `long` over the same batches; ms per batch over the last `timed`. */
const both = (run: Run) => async ({ batches, short, long, timed }: LengthInput, sink: Sink<WordCount>) => {
  const n = batches.length;
  await run(batches, short, sink);
  const shortMs = meanGap(sink.times, n - timed - 1, n);
  await run(batches, long, sink);
  const longMs = meanGap(sink.times, 2 * n - timed - 1, 2 * n);
  return { extra: { msPerBatchW10: shortMs, msPerBatchW100: longMs, ratio100to10: longMs / shortMs } };
};

const notMeasured = { unavailable: "not measured: the window-length ratio is a dstreams figure (hand loop shown for reference)" };

export const windowLength: Workload<LengthInput, WordCount> = {
  id: "window-length",
  title: "3b. window 100 vs 10",
  unit: "lines",
  runs: 5,
  prepare: (mode) => {
    const short = mode.quick ? 2 : SHORT;
    const long = mode.quick ? 5 : LONG;
    const timed = mode.quick ? 3 : TIMED;
    return { ...lines(long + timed, size(mode, 1_000, 20), 313), short, long, timed };
  },
  // Each run goes through the batches twice (window 10, then window 100).
  records: (input) => 2 * countRecords(input),
  fingerprint: linesFingerprint,
  digest: wordCountDigest,
  light: wordCountLight,
  contenders: {
    "hand loop": both(hand),
    dstreams: both(dstreams),
    RxJS: notMeasured,
    Effect: notMeasured,
  },
};
