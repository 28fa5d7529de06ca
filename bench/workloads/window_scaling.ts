/**
 * 3c. Windows without an inverse, and `groupByKeyAndWindow`, at windows of 10, 100 and
 * 1,000 batches (slide 1 batch). Without an inverse every slide reduces the whole window
 * again, so a batch costs in proportion to the window's length at best (target: at most
 * linear). Input: batches of 20 words (Zipf over the 10,000-word vocabulary) as
 * `[word, 1]`; each window length runs over its own first `W + 20` batches, and the last
 * 20 batches (the window full) are timed. (Small batches: the 1,000-batch window has to
 * fill first, and filling it is the cost of the whole run.)
 *
 * Figures (dstreams and the hand loop): `<op><W>Ms`, ms per batch with the window full
 * (the median of the timed batches' gaps, so that a batch the shared machine descheduled
 * does not count); `<op><W>CpuMs`, the same in CPU time (the process's user + system
 * time, GC threads included); `<op>Growth`, `<op>1000Ms` over `<op>100Ms` (at most 10
 * for "at most linear"); `<op>B`, heap bytes per retained input record at the largest
 * window (heap after a full GC at the last batch, before its output is read, minus the
 * heap before the run, over W × 20 records; the input, which both share, is live in
 * both measurements).
 *
 * The hand loop for the reduce keeps each batch's counts and merges the window's into a
 * new `Map` every slide (what Spark's form without inverse computes); for the grouping it
 * keeps each batch's pairs and builds each key's list of values, oldest first.
 */
import process from "node:process";
import { foreachRDD, groupByKeyAndWindow, map, pipe, reduceByKeyAndWindow, Seconds } from "../../mod.ts";
import { fingerprint, hashString, mix } from "../_data.ts";
import { runDStreams } from "../_drivers.ts";
import { heapNow, type Sink, type Workload } from "../harness.ts";
import { add, lines } from "./_common.ts";

/** A record of either output: a word and its count, or its values (counted). */
type Out = readonly [string, number | ReadonlyArray<number>];

interface ScalingInput {
  readonly batches: string[][];
  readonly windows: ReadonlyArray<number>;
  readonly timed: number;
  readonly perBatch: number;
}

const OPS = ["window", "groupByKeyAndWindow"] as const;
type Op = (typeof OPS)[number];

/**
 * One window length of one op: runs `batches`, calls `onLast` (the heap) at the last
 * batch before its output is read. Returns nothing; the sink's times give the timing.
 */
type Run = (op: Op, batches: ReadonlyArray<ReadonlyArray<string>>, length: number, sink: Sink<Out>, atLast: () => void) => Promise<unknown>;

const count = (v: number | ReadonlyArray<number>): number => (typeof v === "number" ? v : v.length);

/** CPU time of this process so far (user + system, every thread), in ms. */
const cpuNow = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** The median of the gaps between consecutive `times[from..to)`. */
const medianGap = (times: ReadonlyArray<number>, from: number, to: number): number => {
  const gaps: number[] = [];
  for (let i = from + 1; i < to; i++) gaps.push(times[i]! - times[i - 1]!);
  gaps.sort((a, b) => a - b);
  return gaps.length === 0 ? Number.NaN : gaps[Math.floor(gaps.length / 2)]!;
};

const scaling = (run: Run) => async (input: ScalingInput, sink: Sink<Out>) => {
  const extra: Record<string, number> = {};
  const largest = input.windows[input.windows.length - 1]!;
  // The CPU time at each output, beside the sink's own clock.
  const cpu: number[] = [];
  const timed = Object.assign((records: Parameters<Sink<Out>>[0]) => {
    cpu.push(cpuNow());
    sink(records);
  }, { times: sink.times }) as Sink<Out>;
  for (const op of OPS) {
    for (const w of input.windows) {
      const batches = input.batches.slice(0, w + input.timed);
      const from = sink.times.length;
      const cpuFrom = cpu.length;
      let heapBefore = Number.NaN;
      let heapAt = Number.NaN;
      const measure = w === largest;
      if (measure) heapBefore = heapNow();
      await run(op, batches, w, timed, () => {
        if (measure) heapAt = heapNow();
      });
      const n = batches.length;
      // The last batch carries the heap measurement: leave it out of the timing.
      extra[`${op}${w}Ms`] = medianGap(sink.times, from + n - input.timed - 1, from + n - 1);
      extra[`${op}${w}CpuMs`] = medianGap(cpu, cpuFrom + n - input.timed - 1, cpuFrom + n - 1);
      if (measure) extra[`${op}B`] = (heapAt - heapBefore) / (w * input.perBatch);
    }
    const [, middle] = input.windows;
    extra[`${op}Growth`] = extra[`${op}${largest}Ms`]! / extra[`${op}${middle}Ms`]!;
  }
  return { extra };
};

const hand: Run = async (op, batches, length, sink, atLast) => {
  if (op === "window") {
    const history: Map<string, number>[] = [];
    for (let b = 0; b < batches.length; b++) {
      const counts = new Map<string, number>();
      for (const w of batches[b]!) add(counts, w, 1);
      history.push(counts);
      if (history.length > length) history.shift();
      if (b === batches.length - 1) atLast();
      const window = new Map<string, number>();
      for (const h of history) for (const [w, n] of h) add(window, w, n);
      sink(Array.from(window));
    }
  } else {
    const history: (readonly [string, number])[][] = [];
    for (let b = 0; b < batches.length; b++) {
      history.push(batches[b]!.map((w) => [w, 1] as const));
      if (history.length > length) history.shift();
      if (b === batches.length - 1) atLast();
      const groups = new Map<string, number[]>();
      for (const pairs of history) {
        for (const [k, v] of pairs) {
          const vs = groups.get(k);
          if (vs === undefined) groups.set(k, [v]);
          else vs.push(v);
        }
      }
      sink(Array.from(groups));
    }
  }
};

const dstreams: Run = (op, batches, length, sink, atLast) => {
  let seen = 0;
  const out = foreachRDD<Out>((rdd) => {
    if (++seen === batches.length) atLast();
    sink(() => rdd.collect());
  });
  return runDStreams(batches, (input) => {
    const pairs = pipe(input, map((w: string) => [w, 1] as const));
    if (op === "window") pipe(pairs, reduceByKeyAndWindow((a: number, b: number) => a + b, Seconds(length), Seconds(1)), out);
    else pipe(pairs, groupByKeyAndWindow(Seconds(length), Seconds(1)), out);
  });
};

const notMeasured = { unavailable: "not measured: window scaling is a dstreams figure (hand loop shown for reference)" };

export const windowScaling: Workload<ScalingInput, Out> = {
  id: "window-scaling",
  title: "3c. windows w/o inverse",
  unit: "batches",
  runs: 1,
  warmups: 0,
  prepare: (mode) => {
    const windows = mode.quick ? [2, 5, 10] : [10, 100, 1_000];
    const timed = mode.quick ? 3 : 20;
    const perBatch = 20;
    const largest = windows[windows.length - 1]!;
    // Lines of 10 words, flattened: batches of `perBatch` words.
    const words = lines(1, ((largest + timed) * perBatch) / 10, 909).batches[0]!.flatMap((l) => l.split(" "));
    const batches: string[][] = [];
    for (let i = 0; i < words.length; i += perBatch) batches.push(words.slice(i, i + perBatch));
    return { batches, windows, timed, perBatch };
  },
  // Batches processed per run: every window length, both ops.
  records: (input) => OPS.length * input.windows.reduce((n, w) => n + w + input.timed, 0),
  fingerprint: (input) => fingerprint(input.batches),
  digest: (r) => mix(hashString(r[0]), count(r[1])),
  light: (r) => count(r[1]),
  contenders: {
    "hand loop": scaling(hand),
    dstreams: scaling(dstreams),
    RxJS: notMeasured,
    Effect: notMeasured,
  },
};
