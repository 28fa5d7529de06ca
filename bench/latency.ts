/**
 * End-to-end latency on the system clock (issue 14): word count at 100 ms batches from a
 * loopback socket, at a paced rate.
 *
 * A feeder process (plain Node, as `nc -lk` would be) sends pre-generated lines at a set
 * rate: every 2 ms it writes the lines it owes, led by a marker line `#t <epoch ms> <n>`
 * (the time it wrote them and how many). dstreams reads them with `socketTextStream`
 * (backpressure off: the question is what the pipeline sustains, not what it throttles
 * to), runs `flatMap → map → reduceByKey` with the counts collected, then a second output
 * that counts the lines and reads the markers: a marker's latency, output time minus
 * write time (both `performance.timeOrigin + performance.now()`, the system clock, so
 * comparable across the two processes), stands for the `n` lines written with it. p50 and
 * p99 are over lines.
 *
 * 1. 2 s at 50,000 lines/s to warm up (not reported), then 5 s at 50,000 lines/s: p50/p99.
 * 2. A ladder of rates, 5 s each, up from 100,000 lines/s: a rate is sustained when every
 *    line sent was processed within 2 s of the feeder's end and the scheduling delay over
 *    the last half of the run stayed under 2 batch intervals. The highest sustained rate
 *    is reported, with its p50/p99; the ladder stops at the first rate not sustained.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { filter, flatMap, foreachRDD, map, Milliseconds, pipe, reduceByKey, SparkContext, StreamingContext } from "../mod.ts";
import { lineBatches } from "./_data.ts";
import { theVocabulary, WORDS_PER_LINE } from "./workloads/_common.ts";

const BATCH_MS = 100;

/** The feeder's program (run with `node -e`): paced lines with markers, to one client, then the count sent. */
const FEEDER = `
const { readFileSync } = require("node:fs");
const { createServer } = require("node:net");
const { performance } = require("node:perf_hooks");
const lines = readFileSync(process.env.FEED_PAYLOAD, "utf8").split("\\n").filter((l) => l.length > 0);
const rate = Number(process.env.FEED_RATE);
const durationMs = Number(process.env.FEED_MS);
const server = createServer((socket) => {
  server.close();
  socket.on("error", () => socket.destroy());
  const start = performance.now();
  let sent = 0;
  let next = 0;
  const tick = () => {
    const elapsed = performance.now() - start;
    const owed = Math.min(Math.floor((rate * Math.min(elapsed, durationMs)) / 1000), Math.floor((rate * durationMs) / 1000)) - sent;
    if (owed > 0) {
      let text = "#t " + (performance.timeOrigin + performance.now()) + " " + owed + "\\n";
      for (let i = 0; i < owed; i++) {
        text += lines[next] + "\\n";
        next = next + 1 === lines.length ? 0 : next + 1;
      }
      sent += owed;
      socket.write(text);
    }
    if (elapsed >= durationMs) {
      socket.end();
      process.stdout.write("sent " + sent + "\\n");
      return;
    }
    setTimeout(tick, 2);
  };
  tick();
});
server.listen(0, "127.0.0.1", () => process.stdout.write("port " + server.address().port + "\\n"));
`;

interface Feeder {
  readonly port: number;
  /** Resolves with the number of lines sent (markers not counted) once the feeder is done. */
  readonly sent: Promise<number>;
  kill(): void;
}

const startFeeder = (payload: string, rate: number, durationMs: number): Promise<Feeder> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", FEEDER], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, FEED_PAYLOAD: payload, FEED_RATE: String(rate), FEED_MS: String(durationMs), NODE_OPTIONS: "" },
    });
    let out = "";
    let resolveSent: (n: number) => void = () => {};
    const sent = new Promise<number>((r) => (resolveSent = r));
    child.once("exit", (code) => {
      if (!/port \d+/.test(out)) reject(new Error(`the latency feeder exited (${code}) before listening on 127.0.0.1`));
      const m = /sent (\d+)/.exec(out);
      resolveSent(m === null ? Number.NaN : Number(m[1]));
    });
    child.stdout.setEncoding("utf8");
    let listening = false;
    child.stdout.on("data", (d: string) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m !== null && !listening) {
        listening = true;
        resolve({ port: Number(m[1]), sent, kill: () => child.kill("SIGKILL") });
      }
    });
  });

/** One paced run's figures. */
export interface LatencyStep {
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly processed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Largest scheduling delay over the last half of the batches. */
  readonly lateSchedulingDelayMs: number;
  readonly batches: number;
  readonly sustained: boolean;
}

const percentile = (samples: ReadonlyArray<readonly [number, number]>, q: number): number => {
  const sorted = [...samples].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((n, s) => n + s[1], 0);
  let seen = 0;
  for (const [ms, n] of sorted) {
    seen += n;
    if (seen >= q * total) return ms;
  }
  return sorted.at(-1)?.[0] ?? Number.NaN;
};

/** How a run's context is set up: on one thread, or `local[2]` with a worker thread. */
export interface LatencySetup {
  readonly name: string;
  readonly master: string;
  /** Spark's `spark.streaming.blockInterval`: a batch has about BATCH_MS ÷ this many partitions. */
  readonly blockIntervalMs: number;
  /** Built with `StreamingContext.fromModule` (the map side of the word count on worker threads). */
  readonly workers: boolean;
}

export const LATENCY_SETUPS: ReadonlyArray<LatencySetup> = [
  { name: "one thread", master: "local[1]", blockIntervalMs: 200, workers: false },
  { name: "local[2], 50 ms blocks", master: "local[2]", blockIntervalMs: 50, workers: true },
];

// ---------------------------------------------------------------------------------------
// the job (fromModule imports this module on the worker threads too: no side effects)
// ---------------------------------------------------------------------------------------

/** Where the driver's marker output hands each batch's markers (never called on a worker). */
let onMarkers: ((markers: ReadonlyArray<string>) => void) | undefined;

/** The word count, with a second output that reads the feeder's markers. */
export const createLatencyContext = (port: number, master: string, blockIntervalMs: number): StreamingContext => {
  const ssc = new StreamingContext(new SparkContext({ appName: "latency", master, logLevel: "ERROR" }), Milliseconds(BATCH_MS), {
    blockInterval: Milliseconds(blockIntervalMs),
  });
  const lines = ssc.socketTextStream("127.0.0.1", port, { backpressure: false });
  pipe(
    lines,
    flatMap((line: string) => line.split(" ")),
    map((word: string) => [word, 1] as const),
    reduceByKey((a: number, b: number) => a + b),
    foreachRDD((rdd) => void rdd.collect()),
  );
  pipe(
    lines,
    filter((line: string) => line.startsWith("#t ")),
    foreachRDD((rdd) => onMarkers?.(rdd.collect())),
  );
  return ssc;
};

/** Runs word count at `rate` lines/s for `durationMs` on the system clock. */
export const latencyStep = async (payload: string, rate: number, durationMs: number, setup: LatencySetup = LATENCY_SETUPS[0]!): Promise<LatencyStep> => {
  const feeder = await startFeeder(payload, rate, durationMs);
  try {
    const args = [feeder.port, setup.master, setup.blockIntervalMs] as const;
    const ssc = setup.workers
      ? await StreamingContext.fromModule(new URL(import.meta.url), "createLatencyContext", { args })
      : createLatencyContext(...args);
    const samples: Array<readonly [number, number]> = [];
    let processed = 0;
    onMarkers = (markers) => {
      const now = performance.timeOrigin + performance.now();
      for (const marker of markers) {
        const [, at, n] = marker.split(" ");
        samples.push([now - Number(at), Number(n)]);
        processed += Number(n);
      }
    };
    const delays: number[] = [];
    ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void delays.push(batchInfo.schedulingDelay ?? 0) });
    ssc.start();
    const sent = await feeder.sent;
    const deadline = performance.now() + 2_000;
    while (processed < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await ssc.stop();
    const late = delays.slice(delays.length >> 1);
    const lateSchedulingDelayMs = late.length === 0 ? Number.NaN : Math.max(...late);
    return {
      rate,
      seconds: durationMs / 1000,
      sent,
      processed,
      p50Ms: percentile(samples, 0.5),
      p99Ms: percentile(samples, 0.99),
      maxMs: samples.reduce((m, s) => Math.max(m, s[0]), 0),
      lateSchedulingDelayMs,
      batches: delays.length,
      sustained: processed === sent && lateSchedulingDelayMs < 2 * BATCH_MS,
    };
  } finally {
    feeder.kill();
  }
};

/** One setup's figures: the first rate, the ladder, the highest rate sustained. */
export interface LatencyRun {
  readonly setup: LatencySetup;
  readonly at50k: LatencyStep;
  readonly ladder: ReadonlyArray<LatencyStep>;
  readonly highestSustained: LatencyStep | undefined;
}

export interface LatencyReport {
  readonly batchMs: number;
  readonly runs: ReadonlyArray<LatencyRun>;
}

/** The whole scenario, for each setup (quick: 1 s steps, one ladder rung). */
export const runLatency = async (quick: boolean, log: (line: string) => void, setups: ReadonlyArray<LatencySetup> = LATENCY_SETUPS): Promise<LatencyReport> => {
  const dir = mkdtempSync(join(tmpdir(), "dstreams-latency-"));
  try {
    const [lines] = lineBatches({ batches: 1, linesPerBatch: 100_000, wordsPerLine: WORDS_PER_LINE, vocabulary: theVocabulary(), seed: 909 });
    const payload = join(dir, "lines.txt");
    writeFileSync(payload, `${lines!.join("\n")}\n`);
    const stepMs = quick ? 1_000 : 5_000;
    const runs: LatencyRun[] = [];
    for (const setup of setups) {
      const show = (s: LatencyStep) =>
        `[latency] ${setup.name}: ${s.rate.toLocaleString("en-US")} lines/s: p50 ${s.p50Ms.toFixed(0)} ms, p99 ${s.p99Ms.toFixed(0)} ms, late scheduling delay ${s.lateSchedulingDelayMs.toFixed(0)} ms, ${s.processed}/${s.sent} lines${s.sustained ? "" : " (not sustained)"}`;
      if (!quick) log(show(await latencyStep(payload, 50_000, 2_000, setup)) + " (warm-up)");
      const at50k = await latencyStep(payload, quick ? 20_000 : 50_000, stepMs, setup);
      log(show(at50k));
      const ladder: LatencyStep[] = [];
      const rates = quick ? [40_000] : [100_000, 200_000, 300_000, 400_000, 500_000, 600_000, 800_000, 1_000_000];
      for (const rate of rates) {
        const step = await latencyStep(payload, rate, stepMs, setup);
        log(show(step));
        ladder.push(step);
        if (!step.sustained) break;
      }
      const highestSustained = [at50k, ...ladder].filter((s) => s.sustained).at(-1);
      runs.push({ setup, at50k, ladder, highestSustained });
    }
    return { batchMs: BATCH_MS, runs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const fmtStep = (s: LatencyStep): string =>
  `${s.rate.toLocaleString("en-US").padStart(9)} lines/s  p50 ${s.p50Ms.toFixed(0).padStart(5)} ms  p99 ${s.p99Ms.toFixed(0).padStart(5)} ms  max ${s.maxMs.toFixed(0).padStart(5)} ms  sched. delay (2nd half) ≤ ${s.lateSchedulingDelayMs.toFixed(0).padStart(5)} ms  ${s.processed.toLocaleString("en-US")}/${s.sent.toLocaleString("en-US")} lines  ${s.sustained ? "sustained" : "NOT sustained"}`;

export const formatLatency = (r: LatencyReport): string => {
  // Met by a rate of 500k lines/s or more sustained with p99 under two intervals (a higher rate may be sustained with a longer p99).
  const met = r.runs.some(({ at50k, ladder }) => [at50k, ...ladder].some((s) => s.sustained && s.rate >= 500_000 && s.p99Ms < 2 * r.batchMs));
  return [
    `latency: word count from a loopback socket, system clock, ${r.batchMs} ms batches (backpressure off)`,
    ...r.runs.flatMap(({ setup, at50k, ladder, highestSustained: top }) => [
      `  ${setup.name} (${setup.master}, blockInterval ${setup.blockIntervalMs} ms${setup.workers ? ", worker threads" : ""}):`,
      `    at ${at50k.rate.toLocaleString("en-US")} lines/s: p50 ${at50k.p50Ms.toFixed(0)} ms, p99 ${at50k.p99Ms.toFixed(0)} ms (${at50k.processed.toLocaleString("en-US")} lines)`,
      "    ladder:",
      ...[at50k, ...ladder].map((s) => `      ${fmtStep(s)}`),
      `    highest sustained rate: ${top === undefined ? "none" : `${top.rate.toLocaleString("en-US")} lines/s (p99 ${top.p99Ms.toFixed(0)} ms)`}`,
    ]),
    `  ${met ? "met " : "MISS"}  sustained ≥ 500,000 lines/s with p99 < 2 intervals (issue 14, target 6)`,
  ].join("\n");
};
