/**
 * Overload (issue 8): a producer that offers twice what the pipeline can sustain, on
 * real clocks, for a fixed time. Backpressure must keep memory flat, the scheduling
 * delay within a few batch intervals, and every record sent must be processed.
 *
 * - The sustainable rate is measured first: the same word count, on a manual clock, over
 *   batches of pre-generated lines (lines/s of processing alone).
 * - The producer is a custom receiver that, every 10 ms of the system clock, stores the
 *   lines it owes at twice that rate, and awaits `store(records)`: when the buffer is
 *   full it pauses (and owes nothing for the time paused, as a TCP sender would be slowed).
 * - Every few seconds: heap used (after a full GC when `--expose-gc`) and RSS. Per batch:
 *   the scheduling delay (from `BatchInfo`). All along: the longest event-loop lag
 *   (`monitorEventLoopDelay`). At the end the producer stops, the context stops
 *   gracefully, and records sent are compared with records processed.
 *
 * Also here: what backpressure costs at normal load, i.e. word count through a receiver
 * with backpressure on and off, in the same process, alternating runs.
 */
import process from "node:process";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import {
  flatMap,
  foreachRDD,
  ManualClock,
  map,
  Milliseconds,
  pipe,
  Receiver,
  reduceByKey,
  Seconds,
  SparkContext,
  StreamingContext,
} from "../mod.ts";
import type { BatchInfo, DStream } from "../mod.ts";
import { lineBatches } from "./_data.ts";
import { theVocabulary, WORDS_PER_LINE } from "./workloads/_common.ts";

const gc = (globalThis as { gc?: () => void }).gc;

/** The lines every producer cycles through. */
let pool: string[] | undefined;
const linePool = (): string[] =>
  (pool ??= lineBatches({ batches: 1, linesPerBatch: 50_000, wordsPerLine: WORDS_PER_LINE, vocabulary: theVocabulary(), seed: 808 })[0]!);

/**
 * The word count under test: one output collects the counts; the other stands for a slow
 * sink (a database, say) that takes `sinkMicrosPerLine` of waiting per line, and counts
 * the lines. The wait leaves the event loop free, so the producer can offer twice what
 * the sink takes.
 */
const wordCountOn = (lines: DStream<string>, processed: { lines: number }, sinkMicrosPerLine = 0) => {
  pipe(lines, foreachRDD(async (rdd) => {
    const n = rdd.count();
    if (sinkMicrosPerLine > 0) await new Promise((resolve) => setTimeout(resolve, (n * sinkMicrosPerLine) / 1000));
    processed.lines += n;
  }));
  pipe(
    lines,
    flatMap((line) => line.split(" ")),
    map((word) => [word, 1] as const),
    reduceByKey((a, b) => a + b),
    foreachRDD((rdd) => void rdd.collect()),
  );
};

/** Lines per second the word count processes, batch after batch, with no waiting (manual clock). */
export const sustainableRate = async (sinkMicrosPerLine: number, linesPerBatch = 20_000, batches = 8): Promise<number> => {
  const lines = linePool();
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "calibrate", logLevel: "OFF" }), Seconds(1), { clock });
  const receiver = new Held();
  const processed = { lines: 0 };
  wordCountOn(ssc.receiverStream(receiver, { backpressure: false }), processed, sinkMicrosPerLine);
  ssc.start();
  let elapsed = 0;
  for (let b = 0; b < batches; b++) {
    receiver.storeRecords(lines.slice(0, linesPerBatch));
    const start = performance.now();
    await clock.advance(Seconds(1));
    if (b > 0) elapsed += performance.now() - start; // the first batch warms up
  }
  await ssc.stop();
  return ((batches - 1) * linesPerBatch) / (elapsed / 1000);
};

/** A receiver the caller feeds. */
class Held extends Receiver<string> {
  onStart(): void {}
  onStop(): void {}
}

/** Offers `rate` lines per second, in ticks of 10 ms, pausing while the buffer is full. */
class Producer extends Receiver<string> {
  sent = 0;
  pauses = 0;
  readonly #rate: number;
  #producing = true;
  #owed = 0;
  #next = 0;

  constructor(rate: number) {
    super();
    this.#rate = rate;
  }

  /** Stops offering lines (the receiver keeps running, so that a graceful stop drains it). */
  finish(): void {
    this.#producing = false;
  }

  onStart(): void {
    const lines = linePool();
    this.run(async (signal) => {
      let last = performance.now();
      while (!signal.aborted && this.#producing) {
        if (!(await this.sleep(Milliseconds(10)))) return;
        const now = performance.now();
        this.#owed += (this.#rate * (now - last)) / 1000;
        last = now;
        const n = Math.floor(this.#owed);
        if (n === 0) continue;
        this.#owed -= n;
        const batch: string[] = new Array(n);
        for (let i = 0; i < n; i++) batch[i] = lines[(this.#next + i) % lines.length]!;
        this.#next = (this.#next + n) % lines.length;
        if (!this.#producing) return;
        this.sent += n;
        if (!this.storeRecords(batch)) {
          this.pauses++;
          await this.waitForSpace();
        }
        // Slowed down while paused: nothing is owed for that time.
        last = performance.now();
      }
    });
  }

  onStop(): void {}
}

export interface MemorySample {
  readonly atMs: number;
  readonly heapMB: number;
  readonly rssMB: number;
}

export interface OverloadReport {
  readonly durationMs: number;
  readonly sinkMicrosPerLine: number;
  readonly batchMs: number;
  readonly sustainableRate: number;
  readonly producerRate: number;
  readonly sent: number;
  readonly processed: number;
  readonly pauses: number;
  readonly batches: number;
  readonly samples: ReadonlyArray<MemorySample>;
  /** The sample nearest 20 % of the run, and the last one. */
  readonly heapAt20MB: number;
  readonly heapFinalMB: number;
  readonly rssAt20MB: number;
  readonly rssFinalMB: number;
  readonly maxSchedulingDelayMs: number;
  /** The longest scheduling delay of batches after 20 % of the run (the estimator settled). */
  readonly settledSchedulingDelayMs: number;
  readonly maxEventLoopLagMs: number;
  readonly peakBufferedRecords: number;
  readonly maxBufferedRecords: number;
  readonly finalRate: number | undefined;
  /** Lines per second processed after 20 % of the run. */
  readonly settledThroughput: number;
}

const MB = 1024 * 1024;

const sample = (atMs: number): MemorySample => {
  gc?.();
  const memory = process.memoryUsage();
  return { atMs, heapMB: memory.heapUsed / MB, rssMB: memory.rss / MB };
};

/**
 * Runs the overload for `durationMs` of real time with batches of `batchMs`, sampling
 * memory every `sampleEveryMs`.
 */
export const runOverload = async (
  options: {
    readonly durationMs: number;
    readonly batchMs: number;
    readonly sampleEveryMs: number;
    readonly overload?: number;
    readonly sinkMicrosPerLine?: number;
  },
  log: (line: string) => void = () => {},
): Promise<OverloadReport> => {
  const { durationMs, batchMs, sampleEveryMs, overload = 2, sinkMicrosPerLine = 10 } = options;
  const sustainable = await sustainableRate(sinkMicrosPerLine);
  const producerRate = overload * sustainable;
  log(`[overload] sustainable ≈ ${Math.round(sustainable)} lines/s; producing ${Math.round(producerRate)} lines/s for ${durationMs / 1000} s, ${batchMs} ms batches`);
  const ssc = new StreamingContext(new SparkContext({ appName: "overload", logLevel: "WARN" }), Milliseconds(batchMs));
  const producer = new Producer(producerRate);
  const input = ssc.receiverStream(producer);
  const processed = { lines: 0 };
  wordCountOn(input, processed, sinkMicrosPerLine);
  const infos: Array<{ readonly atMs: number; readonly info: BatchInfo }> = [];
  const processedAt: Array<{ readonly atMs: number; readonly lines: number }> = [];
  const start = performance.now();
  ssc.addStreamingListener({
    onBatchCompleted: ({ batchInfo }) => {
      const atMs = performance.now() - start;
      infos.push({ atMs, info: batchInfo });
      processedAt.push({ atMs, lines: processed.lines });
    },
  });
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const samples: MemorySample[] = [sample(0)];
  lag.enable();
  ssc.start();
  while (performance.now() - start < durationMs) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(sampleEveryMs, durationMs - (performance.now() - start))));
    const s = sample(performance.now() - start);
    samples.push(s);
    log(
      `[overload]   ${(s.atMs / 1000).toFixed(1)} s: heap ${s.heapMB.toFixed(1)} MB, rss ${s.rssMB.toFixed(1)} MB, buffered ${input.bufferedRecords}, rate ${Math.round(input.rate ?? 0)}/s, processed ${processed.lines}`,
    );
  }
  producer.finish();
  lag.disable();
  const finalRate = input.rate;
  await ssc.stop({ stopGracefully: true });
  const at20 = samples.reduce((best, s) => (Math.abs(s.atMs - durationMs * 0.2) < Math.abs(best.atMs - durationMs * 0.2) ? s : best));
  const last = samples.at(-1)!;
  const settled = infos.filter((i) => i.atMs >= durationMs * 0.2 && i.atMs <= durationMs);
  const delays = (list: typeof infos) => list.map((i) => i.info.schedulingDelay ?? 0);
  const from = processedAt.find((p) => p.atMs >= durationMs * 0.2);
  const to = processedAt.filter((p) => p.atMs <= durationMs).at(-1);
  return {
    durationMs,
    sinkMicrosPerLine,
    batchMs,
    sustainableRate: sustainable,
    producerRate,
    sent: producer.sent,
    processed: processed.lines,
    pauses: producer.pauses,
    batches: infos.length,
    samples,
    heapAt20MB: at20.heapMB,
    heapFinalMB: last.heapMB,
    rssAt20MB: at20.rssMB,
    rssFinalMB: last.rssMB,
    maxSchedulingDelayMs: Math.max(0, ...delays(infos)),
    settledSchedulingDelayMs: Math.max(0, ...delays(settled)),
    maxEventLoopLagMs: lag.max / 1e6,
    peakBufferedRecords: input.peakBufferedRecords,
    maxBufferedRecords: input.maxBufferedRecords,
    finalRate,
    settledThroughput: from !== undefined && to !== undefined && to.atMs > from.atMs ? ((to.lines - from.lines) / (to.atMs - from.atMs)) * 1000 : Number.NaN,
  };
};

/** Word count through a receiver, lines/s, backpressure on and off, `rounds` alternating runs each (median). */
export const backpressureCost = async (linesPerBatch: number, batches: number, rounds: number): Promise<{ readonly on: number; readonly off: number }> => {
  const lines = linePool();
  const once = async (backpressure: boolean): Promise<number> => {
    const clock = new ManualClock();
    const ssc = new StreamingContext(new SparkContext({ appName: "cost", logLevel: "OFF" }), Seconds(1), { clock, backpressure });
    const receiver = new Held();
    const processed = { lines: 0 };
    wordCountOn(ssc.receiverStream(receiver), processed);
    ssc.start();
    gc?.();
    const start = performance.now();
    for (let b = 0; b < batches; b++) {
      receiver.storeRecords(lines.slice((b * linesPerBatch) % 40_000, ((b * linesPerBatch) % 40_000) + linesPerBatch));
      await clock.advance(Seconds(1));
    }
    const elapsed = performance.now() - start;
    await ssc.stop();
    if (processed.lines !== batches * linesPerBatch) throw new Error(`backpressure cost: ${processed.lines} lines processed of ${batches * linesPerBatch}`);
    return (batches * linesPerBatch) / (elapsed / 1000);
  };
  await once(true);
  await once(false);
  const on: number[] = [];
  const off: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      on.push(await once(true));
      off.push(await once(false));
    } else {
      off.push(await once(false));
      on.push(await once(true));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { on: median(on), off: median(off) };
};

const n = (x: number) => Math.round(x).toLocaleString("en-US");

/** The overload report as the bench prints it. */
export const formatOverload = (r: OverloadReport, cost?: { readonly on: number; readonly off: number }): string => {
  const heapRatio = r.heapFinalMB / r.heapAt20MB;
  const rssRatio = r.rssFinalMB / r.rssAt20MB;
  const lines = [
    `overload: ${r.durationMs / 1000} s at ${r.producerRate / r.sustainableRate}× the sustainable rate (word count + a sink waiting ${r.sinkMicrosPerLine} µs per line: ${n(r.sustainableRate)} lines/s sustainable, ${n(r.producerRate)} offered), ${r.batchMs} ms batches, ${r.batches} batches`,
    `  memory (MB, every ${((r.samples[1]?.atMs ?? 0) / 1000).toFixed(0)} s): ${r.samples.map((s) => `${(s.atMs / 1000).toFixed(0)}s ${s.heapMB.toFixed(0)}/${s.rssMB.toFixed(0)}`).join("  ")}  (heap/rss)`,
    `  heap final / at 20 %: ${heapRatio.toFixed(2)} (${r.heapFinalMB.toFixed(1)} / ${r.heapAt20MB.toFixed(1)} MB), rss final / at 20 %: ${rssRatio.toFixed(2)} (${r.rssFinalMB.toFixed(1)} / ${r.rssAt20MB.toFixed(1)} MB)  [target ≤ 1.2]`,
    `  scheduling delay: max ${n(r.maxSchedulingDelayMs)} ms, after 20 %: ${n(r.settledSchedulingDelayMs)} ms = ${(r.settledSchedulingDelayMs / r.batchMs).toFixed(2)} batch intervals  [target ≤ 3]`,
    `  longest event-loop lag: ${r.maxEventLoopLagMs.toFixed(0)} ms; buffer peak ${n(r.peakBufferedRecords)} of ${n(r.maxBufferedRecords)} records; producer paused ${n(r.pauses)} times; final rate ${n(r.finalRate ?? 0)} lines/s; processed after 20 %: ${n(r.settledThroughput)} lines/s`,
    `  records sent ${n(r.sent)}, processed ${n(r.processed)}: ${r.sent === r.processed ? "none lost" : "MISMATCH"}`,
  ];
  if (cost !== undefined) {
    lines.push(`backpressure at normal load (word count through a receiver): on ${n(cost.on)} lines/s, off ${n(cost.off)} lines/s (on/off ${(cost.on / cost.off).toFixed(3)})`);
  }
  return lines.join("\n");
};
