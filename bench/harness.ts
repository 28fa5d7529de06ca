/**
 * The benchmark harness: runs each workload through every contender (a hand-written
 * loop, dstreams, RxJS, Effect's Stream), checks that their results are equal, takes the
 * median of several timed runs, prints one table and writes `bench/results.json`.
 *
 * A workload's measurement (`measureWorkload`) is, on one generated input: a verify run
 * per contender (full fingerprint of every output record; heap measured there when
 * asked), a warm-up round, then timed rounds with a light check (record counts and
 * sums), the contenders taking turns in a rotating order so that changes in the
 * machine's load fall on all of them alike. In full mode each workload runs in a fresh
 * child process (`--isolate`, the default there), so one workload's garbage and JIT
 * state cannot slow down the next; quick mode runs in-process.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { arch, cpus, freemem, loadavg, platform, release, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { mix } from "./_data.ts";

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Every contender, in table order. The first four run every workload (a workload says why
 * when one cannot). The others are extra rows where they apply: "tuned loop" is the limit
 * (indexOf/slice instead of split, bytes instead of text, a hand-written type guard
 * instead of a codec), "RxJS naive" and "Effect naive" the forms earlier versions of this
 * bench used as the peers (one operator per word or per record, a new `Map` per batch).
 */
export const CONTENDERS = ["hand loop", "tuned loop", "dstreams", "RxJS", "Effect", "RxJS naive", "Effect naive"] as const;
export type ContenderName = (typeof CONTENDERS)[number];
/** The contenders every workload defines. */
export type CoreContender = "hand loop" | "dstreams" | "RxJS" | "Effect";
/** Contenders a workload may leave out (no row then). */
export type ExtraContender = Exclude<ContenderName, CoreContender>;

export interface Mode {
  /** Tiny inputs, one timed run: for the test and a smoke check. */
  readonly quick: boolean;
}

/**
 * Where a contender hands each output batch. It records when the batch arrived, how
 * many records it had and a checksum of them (a full hash in the verify run, a cheap
 * sum in timed runs), so results can be compared across contenders and processes.
 *
 * Every contender hands the same shape: an array of the batch's output records (what
 * `rdd.collect()` gives; a loop holding a `Map` hands `Array.from(map)`), so no
 * contender's output costs less to read than another's. It may hand a function making
 * that array: the sink calls it at once, after the heap measurement when there is one
 * (so the heap figure is the state's, not its output's).
 */
export interface Sink<R> {
  (records: ReadonlyArray<R> | (() => ReadonlyArray<R>)): void;
  /** performance.now() at each call. */
  readonly times: ReadonlyArray<number>;
}

/** What a contender may report beyond its outputs. */
export interface RunExtras {
  /** Overrides the harness's timing (for end-to-end timings that exclude set-up). */
  readonly elapsedMs?: number;
  /** Named figures, e.g. a per-batch time; the median over timed runs is reported. */
  readonly extra?: Readonly<Record<string, number>>;
}

export type ContenderRun<I, R> = (input: I, sink: Sink<R>) => Promise<RunExtras | void>;

/** A contender that cannot run yet (e.g. an operator not exported), with the reason. */
export interface Unavailable {
  readonly unavailable: string;
}

export interface Workload<I, R> {
  /** Short id used on the command line: `--only=wordcount`. */
  readonly id: string;
  /** Row title, e.g. "1. word count". */
  readonly title: string;
  /** What one "record" of the rate is, e.g. "lines". */
  readonly unit: string;
  /** Timed runs (median taken), full mode. */
  readonly runs?: number;
  /** Warm-up runs after the verify run, full mode. */
  readonly warmups?: number;
  /** Builds the input (deterministic); `dispose` is called when done. */
  prepare(mode: Mode): Promise<I> | I;
  dispose?(input: I): Promise<void> | void;
  /** How many input records one run processes. */
  records(input: I): number;
  /** A fingerprint of the input, to prove every process built the same one. */
  fingerprint(input: I): string;
  /** Full 32-bit hash of an output record (order of records does not matter). */
  digest(record: R): number;
  /** Cheap number summed per batch in timed runs. */
  light(record: R): number;
  /** When set, the heap is measured (after a full GC) at the start of this sink call of the verify run. */
  heapAtSinkCall?(input: I): number;
  /** How many keys the heap measurement divides by. */
  heapKeys?(input: I): number;
  /** Figures derived from sink times of one run, e.g. steady per-batch time. */
  extras?(times: ReadonlyArray<number>, startMs: number, input: I): Record<string, number>;
  /** Notes printed under the table (e.g. "decode combinator not exported yet"). */
  notes?(): ReadonlyArray<string>;
  readonly contenders:
    & Readonly<Record<CoreContender, ContenderRun<I, R> | Unavailable>>
    & Readonly<Partial<Record<ExtraContender, ContenderRun<I, R>>>>;
}

// deno-lint-ignore no-explicit-any
export type AnyWorkload = Workload<any, any>;

/** One contender's measurement of one workload. */
export interface ContenderResult {
  readonly workload: string;
  readonly contender: ContenderName;
  readonly status: "ok" | "unavailable" | "error";
  readonly message?: string;
  readonly inputFingerprint?: string;
  readonly records?: number;
  readonly verifyCheck?: string;
  readonly lightChecks?: ReadonlyArray<string>;
  readonly runsMs?: ReadonlyArray<number>;
  readonly extras?: ReadonlyArray<Readonly<Record<string, number>>>;
  readonly heapBytesPerKey?: number | null;
}

// -------------------------------------------------------------------------------------
// sinks
// -------------------------------------------------------------------------------------

const makeSink = <R>(
  score: (record: R) => number,
  full: boolean,
  heapAt: number | undefined,
  onHeap: (bytes: number) => void,
): { sink: Sink<R>; check: () => string } => {
  const times: number[] = [];
  const counts: number[] = [];
  const sums: number[] = [];
  const sink = ((output: ReadonlyArray<R> | (() => ReadonlyArray<R>)) => {
    if (heapAt !== undefined && counts.length === heapAt) onHeap(heapNow());
    const records = typeof output === "function" ? output() : output;
    if (!Array.isArray(records)) throw new TypeError("bench sink: hand over an array of the batch's records (Array.from(map), rdd.collect())");
    const n = records.length;
    let sum = 0;
    if (full) for (let i = 0; i < n; i++) sum = (sum + score(records[i]!)) >>> 0;
    else for (let i = 0; i < n; i++) sum += score(records[i]!);
    counts.push(n);
    sums.push(sum);
    times.push(performance.now());
  }) as Sink<R>;
  Object.defineProperty(sink, "times", { value: times });
  const check = () => {
    let h = 0;
    for (let i = 0; i < counts.length; i++) h = mix(mix(h, counts[i]!), sums[i]! >>> 0);
    const total = counts.reduce((a, b) => a + b, 0);
    return `${counts.length} outputs, ${total} records, ${full ? "hash" : "sum"} ${h.toString(16)}${full ? "" : ` (${sums.reduce((a, b) => a + b, 0)})`}`;
  };
  return { sink, check };
};

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap in use after a full collection, or NaN without `--expose-gc`. */
export const heapNow = (): number => {
  if (gc === undefined) return Number.NaN;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

// -------------------------------------------------------------------------------------
// measuring one contender
// -------------------------------------------------------------------------------------

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.message}${error.cause === undefined ? "" : ` (cause: ${errorText(error.cause)})`}` : String(error);

interface Measured {
  readonly elapsedMs: number;
  readonly check: string;
  readonly extra: Record<string, number>;
  readonly heapDelta: number;
}

/** One run of one contender: a fresh sink, timing, extras, optionally the heap. */
const runOnce = async <I, R>(
  workload: Workload<I, R>,
  impl: ContenderRun<I, R>,
  input: I,
  full: boolean,
  measureHeap: boolean,
): Promise<Measured> => {
  let heapBefore = Number.NaN;
  let heapAt = Number.NaN;
  if (measureHeap) heapBefore = heapNow();
  else gc?.();
  const { sink, check } = makeSink(
    full ? workload.digest : workload.light,
    full,
    measureHeap ? workload.heapAtSinkCall?.(input) : undefined,
    (bytes) => (heapAt = bytes),
  );
  const start = performance.now();
  const reported = await impl(input, sink);
  const end = performance.now();
  const elapsedMs = reported?.elapsedMs ?? end - start;
  const extra = { ...workload.extras?.(sink.times, start, input), ...reported?.extra };
  return { elapsedMs, check: check(), extra, heapDelta: heapAt - heapBefore };
};

/**
 * Measures every given contender on one workload, on one input: a verify run each
 * (full fingerprint; heap when the workload asks and `--expose-gc` is on), warm-up
 * rounds, then timed rounds. Contenders take turns within each round, in an order
 * that rotates, so a change in the machine's load falls on all of them alike.
 */
export const measureWorkload = async (
  workload: AnyWorkload,
  contenders: ReadonlyArray<ContenderName>,
  mode: Mode,
  log: (line: string) => void = () => {},
): Promise<ContenderResult[]> => {
  const results = new Map<ContenderName, ContenderResult>();
  const runnable: ContenderName[] = [];
  for (const c of contenders) {
    const impl = workload.contenders[c];
    if (impl === undefined) continue; // an extra row this workload does not have
    if ("unavailable" in impl) results.set(c, { workload: workload.id, contender: c, status: "unavailable", message: impl.unavailable });
    else runnable.push(c);
  }
  const verify = new Map<ContenderName, Measured>();
  const timed = new Map<ContenderName, Measured[]>();
  const failed = (c: ContenderName, error: unknown) => {
    log(`[bench]   ${c}: error: ${errorText(error)}`);
    results.set(c, { workload: workload.id, contender: c, status: "error", message: errorText(error) });
  };
  let input: unknown;
  try {
    input = await workload.prepare(mode);
  } catch (error) {
    for (const c of runnable) failed(c, error);
    return contenders.flatMap((c) => results.get(c) ?? []);
  }
  try {
    const inputFingerprint = workload.fingerprint(input);
    const records = workload.records(input);
    const live = () => runnable.filter((c) => !results.has(c));
    const attempt = async (c: ContenderName, full: boolean, heap: boolean): Promise<Measured | undefined> => {
      try {
        return await runOnce(workload, workload.contenders[c] as ContenderRun<unknown, unknown>, input, full, heap);
      } catch (error) {
        failed(c, error);
        return undefined;
      }
    };
    const hasHeap = workload.heapAtSinkCall !== undefined && gc !== undefined;
    for (const c of live()) {
      const m = await attempt(c, true, hasHeap);
      if (m !== undefined) verify.set(c, m);
      timed.set(c, []);
    }
    const warmups = mode.quick ? 0 : workload.warmups ?? 1;
    const runs = mode.quick ? 1 : workload.runs ?? 7;
    for (let w = 0; w < warmups; w++) for (const c of live()) await attempt(c, false, false);
    for (let r = 0; r < runs; r++) {
      const order = live();
      const rotated = [...order.slice(r % Math.max(1, order.length)), ...order.slice(0, r % Math.max(1, order.length))];
      for (const c of rotated) {
        const m = await attempt(c, false, false);
        if (m !== undefined) timed.get(c)!.push(m);
      }
      log(`[bench]   round ${r + 1}/${runs}: ${rotated.map((c) => `${c} ${timed.get(c)!.at(-1)?.elapsedMs.toFixed(1) ?? "-"} ms`).join(", ")}`);
    }
    const keys = workload.heapKeys?.(input);
    for (const c of live()) {
      const v = verify.get(c)!;
      const ts = timed.get(c)!;
      results.set(c, {
        workload: workload.id,
        contender: c,
        status: "ok",
        inputFingerprint,
        records,
        verifyCheck: v.check,
        lightChecks: ts.map((m) => m.check),
        runsMs: ts.map((m) => m.elapsedMs),
        extras: ts.map((m) => m.extra),
        heapBytesPerKey: hasHeap && keys !== undefined && Number.isFinite(v.heapDelta) ? v.heapDelta / keys : null,
      });
    }
  } finally {
    await workload.dispose?.(input);
  }
  return contenders.flatMap((c) => results.get(c) ?? []);
};

// -------------------------------------------------------------------------------------
// child processes
// -------------------------------------------------------------------------------------

const RESULT_PREFIX = "@@bench-result ";
const runScript = fileURLToPath(new URL("./run.ts", import.meta.url));

/** Runs `measureWorkload` in a fresh Node process with the same flags (tsx, --expose-gc). */
const measureInChild = (
  workload: AnyWorkload,
  contenders: ReadonlyArray<ContenderName>,
  mode: Mode,
  timeoutMs: number,
): Promise<ContenderResult[]> =>
  new Promise((resolve) => {
    const args = [
      ...process.execArgv,
      runScript,
      `--child=${workload.id}`,
      `--contenders=${contenders.join(",")}`,
      ...(mode.quick ? ["--quick"] : []),
    ];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (line !== undefined) return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as ContenderResult[]);
      const message = `child process ended (${signal ?? `exit ${code}`}) without a result${signal === "SIGKILL" ? ` (timed out after ${timeoutMs / 1000} s)` : ""}`;
      resolve(
        contenders
          .filter((contender) => workload.contenders[contender] !== undefined)
          .map((contender) => ({ workload: workload.id, contender, status: "error", message })),
      );
    });
  });

/** The child side: measure one workload, print the result line. */
export const runChild = async (
  workloads: ReadonlyArray<AnyWorkload>,
  id: string,
  contenders: ReadonlyArray<ContenderName>,
  mode: Mode,
): Promise<void> => {
  const workload = workloads.find((w) => w.id === id);
  if (workload === undefined) throw new Error(`unknown workload ${id}`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const results = await measureWorkload(workload, contenders, mode, log);
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(results)}\n`);
};

// -------------------------------------------------------------------------------------
// the whole bench
// -------------------------------------------------------------------------------------

export interface BenchOptions {
  readonly mode: Mode;
  /** Workload ids to run (default all). */
  readonly only?: ReadonlyArray<string>;
  /** Contenders to run (default all). */
  readonly contenders?: ReadonlyArray<ContenderName>;
  /** One child process per measurement (default: true in full mode). */
  readonly isolate?: boolean;
  /** Where to write the JSON (default bench/results.json, or bench/results-quick.json in quick mode); `null` to skip. */
  readonly out?: string | null;
  /** Progress lines (default: standard error). */
  readonly log?: (line: string) => void;
}

export interface Row {
  readonly workload: string;
  readonly title: string;
  readonly contender: ContenderName;
  readonly status: "ok" | "unavailable" | "error" | "mismatch";
  readonly message?: string;
  readonly unit: string;
  readonly records?: number;
  /** Input records per second, from the median of the timed runs. */
  readonly rate?: number;
  readonly medianMs?: number;
  readonly runsMs?: ReadonlyArray<number>;
  /** rate / hand loop's rate. */
  readonly vsHandLoop?: number;
  readonly extra?: Readonly<Record<string, number>>;
  readonly heapBytesPerKey?: number | null;
  readonly check?: string;
}

export interface BenchReport {
  readonly date: string;
  readonly mode: "quick" | "full";
  readonly isolated: boolean;
  readonly machine: {
    readonly platform: string;
    readonly release: string;
    readonly arch: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly totalMemoryBytes: number;
    readonly freeMemoryBytes: number;
    /** 1-minute load average when the run started and when it ended (others' work skews figures). */
    readonly loadAverage: { readonly start: number; readonly end: number };
  };
  /** The dstreams commit measured (BENCH_COMMIT, else `git rev-parse`; "+dirty" when lib/ or mod.ts differ from it). */
  readonly commit: string;
  readonly node: string;
  readonly v8: string;
  readonly execArgv: ReadonlyArray<string>;
  readonly versions: Readonly<Record<string, string>>;
  readonly rows: ReadonlyArray<Row>;
  readonly notes: ReadonlyArray<string>;
  readonly targets: ReadonlyArray<Target>;
}

export interface Target {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | null;
}

const medianExtras = (extras: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> => {
  const keys = new Set(extras.flatMap((e) => Object.keys(e)));
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = median(extras.map((e) => e[k]).filter((v): v is number => v !== undefined));
  return out;
};

/** Compares every contender with the hand loop and turns measurements into rows. */
export const rowsOf = (workload: AnyWorkload, results: ReadonlyArray<ContenderResult>): Row[] => {
  const hand = results.find((r) => r.contender === "hand loop");
  const handRate = hand?.status === "ok" ? hand.records! / (median(hand.runsMs!) / 1000) : undefined;
  return results.map((r): Row => {
    const base = { workload: workload.id, title: workload.title, contender: r.contender, unit: workload.unit };
    if (r.status !== "ok") return { ...base, status: r.status, ...(r.message === undefined ? {} : { message: r.message }) };
    const problems: string[] = [];
    if (hand?.status !== "ok") problems.push("no hand-loop result to compare with");
    else {
      if (r.inputFingerprint !== hand.inputFingerprint) problems.push(`input differs (${r.inputFingerprint} vs ${hand.inputFingerprint})`);
      if (r.verifyCheck !== hand.verifyCheck) problems.push(`results differ: ${r.verifyCheck} vs hand loop ${hand.verifyCheck}`);
      const wrong = r.lightChecks!.find((c) => c !== hand.lightChecks![0]);
      if (wrong !== undefined) problems.push(`a timed run's results differ: ${wrong} vs hand loop ${hand.lightChecks![0]}`);
    }
    const medianMs = median(r.runsMs!);
    const rate = r.records! / (medianMs / 1000);
    const common = {
      ...base,
      records: r.records!,
      medianMs,
      runsMs: r.runsMs!,
      extra: medianExtras(r.extras!),
      heapBytesPerKey: r.heapBytesPerKey ?? null,
      check: r.verifyCheck!,
    };
    if (problems.length > 0) return { ...common, status: "mismatch", message: problems.join("; ") };
    return { ...common, status: "ok", rate, ...(handRate === undefined ? {} : { vsHandLoop: rate / handRate }) };
  });
};

/** Which dstreams source was measured. */
const commitOf = (): string => {
  if (process.env["BENCH_COMMIT"] !== undefined) return process.env["BENCH_COMMIT"];
  const cwd = fileURLToPath(new URL("..", import.meta.url));
  const git = (...args: string[]) => spawnSync("git", args, { cwd, encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD");
  if (head.status !== 0) return "unknown";
  const dirty = git("status", "--porcelain", "--", "lib", "mod.ts").stdout.trim() !== "";
  return `${head.stdout.trim()}${dirty ? "+dirty" : ""}`;
};

const packageVersion = async (name: string): Promise<string> => {
  try {
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
};

/** Runs the benchmark; returns the report (also printed and written unless told not to). */
export const runBench = async (workloads: ReadonlyArray<AnyWorkload>, options: BenchOptions): Promise<BenchReport> => {
  const { mode } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const isolate = options.isolate ?? !mode.quick;
  const selected = workloads.filter((w) => options.only === undefined || options.only.includes(w.id));
  const contenders = options.contenders ?? CONTENDERS;
  const rows: Row[] = [];
  const notes: string[] = [];
  const loadAtStart = loadavg()[0]!;
  // The hand loop always runs: every other contender is compared with it.
  const chosen = CONTENDERS.filter((c) => c === "hand loop" || contenders.includes(c));
  for (const workload of selected) {
    log(`[bench] ${workload.title}: ${chosen.join(", ")}…`);
    const started = performance.now();
    const results = isolate
      ? await measureInChild(workload, chosen, mode, 20 * 60 * 1000)
      : await measureWorkload(workload, chosen, mode, log);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    log(`[bench]   ${results.map((r) => `${r.contender}: ${r.status}`).join(", ")} (${secs} s)`);
    rows.push(...rowsOf(workload, results));
    for (const note of workload.notes?.() ?? []) notes.push(`${workload.title}: ${note}`);
  }
  const cpuList = cpus();
  const report: BenchReport = {
    date: new Date().toISOString(),
    mode: mode.quick ? "quick" : "full",
    isolated: isolate,
    machine: {
      platform: platform(),
      release: release(),
      arch: arch(),
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model ?? "unknown",
      totalMemoryBytes: totalmem(),
      freeMemoryBytes: freemem(),
      loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    },
    commit: commitOf(),
    node: process.version,
    v8: process.versions.v8,
    execArgv: process.execArgv,
    versions: {
      dstreams: (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version,
      rxjs: await packageVersion("rxjs"),
      effect: await packageVersion("effect"),
      "io-ts": await packageVersion("io-ts"),
      "fp-ts": await packageVersion("fp-ts"),
    },
    rows,
    notes,
    targets: targetsOf(rows),
  };
  if (options.out !== null) {
    // Quick runs (smoke checks) do not overwrite a full run's figures.
    const out = options.out ?? fileURLToPath(new URL(mode.quick ? "./results-quick.json" : "./results.json", import.meta.url));
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    log(`[bench] wrote ${out}`);
  }
  return report;
};

// -------------------------------------------------------------------------------------
// targets (issue 14; the issue 5 bounds that still apply are kept)
// -------------------------------------------------------------------------------------

const rowOf = (rows: ReadonlyArray<Row>, workload: string, contender: ContenderName): Row | undefined =>
  rows.find((r) => r.workload === workload && r.contender === contender);

const fmt = (x: number, digits = 2): string => x.toFixed(digits);

const atLeast = (target: string, value: number | undefined, bound: number, shown = (v: number) => `${fmt(v)} ×`): Target => ({
  target,
  measured: value === undefined || !Number.isFinite(value) ? "n/a" : shown(value),
  met: value === undefined || !Number.isFinite(value) ? null : value >= bound,
});

const atMost = (target: string, value: number | undefined, bound: number, shown = (v: number) => `${fmt(v)} ×`): Target => ({
  target,
  measured: value === undefined || !Number.isFinite(value) ? "n/a" : shown(value),
  met: value === undefined || !Number.isFinite(value) ? null : value <= bound,
});

/** The issue's targets, each with what this run measured (ratios within this run). */
export const targetsOf = (rows: ReadonlyArray<Row>): Target[] => {
  const targets: Target[] = [];
  const ds = (id: string) => rowOf(rows, id, "dstreams");
  // 4. Stateless workloads.
  targets.push(atLeast("Word count: dstreams ≥ 0.95 × hand loop", ds("wordcount")?.vsHandLoop, 0.95));
  const peers = (["RxJS", "Effect"] as const)
    .map((p) => rowOf(rows, "wordcount", p))
    .filter((r): r is Row => r?.rate !== undefined);
  const best = peers.sort((a, b) => b.rate! - a.rate!)[0];
  const dsRate = ds("wordcount")?.rate;
  targets.push(atLeast(
    `Word count: dstreams ≥ 1.0 × the best expert peer${best === undefined ? "" : ` (${best.contender})`}`,
    dsRate !== undefined && best !== undefined ? dsRate / best.rate! : undefined,
    1.0,
  ));
  for (const [id, name] of [["grep", "Grep"], ["decode", "Typed decode"], ["socket", "Socket ingest"], ["batch-size", "Batch-size sweep (all sizes)"]] as const) {
    targets.push(atLeast(`${name}: dstreams ≥ 0.9 × hand loop`, ds(id)?.vsHandLoop, 0.9));
  }
  const eb = ds("empty-batches")?.extra?.["usPerBatch"];
  targets.push(atMost("Empty batches: fixed cost ≤ 20 µs per batch", eb, 20, (v) => `${fmt(v, 1)} µs`));
  // 5. Stateful and keyed.
  targets.push(atLeast("Running counts (1 M keys): dstreams ≥ 0.7 × hand loop", ds("running-counts")?.vsHandLoop, 0.7));
  const heap = ds("running-counts")?.heapBytesPerKey;
  targets.push(atMost("Running counts: ≤ 150 heap bytes per key of state (issue 5)", heap ?? undefined, 150, (v) => `${fmt(v, 0)} B/key`));
  const join = ds("join")?.vsHandLoop;
  targets.push(atMost("Join of 100k keys: dstreams ≤ 1.5 × the hand loop's time", join === undefined ? undefined : 1 / join, 1.5));
  const inv = ds("windowed")?.extra?.["msPerBatchSteady"];
  const invHand = rowOf(rows, "windowed", "hand loop")?.extra?.["msPerBatchSteady"];
  targets.push(atMost(
    "Inverse window (30 batches): dstreams ≤ 1.5 × the hand inverse loop per batch",
    inv !== undefined && invHand !== undefined ? inv / invHand : undefined,
    1.5,
  ));
  const scale = ds("window-scaling")?.extra;
  for (const [key, name] of [["window", "window (no inverse)"], ["groupByKeyAndWindow", "groupByKeyAndWindow"]] as const) {
    const w100 = scale?.[`${key}100Ms`];
    const w1000 = scale?.[`${key}1000Ms`];
    targets.push(atMost(
      `${name}: at most linear in window length (ms per batch at 1000 batches ≤ 10 × at 100)`,
      w100 !== undefined && w1000 !== undefined ? w1000 / w100 : undefined,
      10,
      (v) => `${fmt(v)} × (${fmt(w1000!, 2)} ms vs ${fmt(w100!, 2)} ms)`,
    ));
  }
  // local[2] with worker threads against local[1] (issue 14, point 7): both rows are dstreams (see bench/workloads/local_cores.ts).
  const one = rowOf(rows, "local-cores", "hand loop")?.extra;
  const two = rowOf(rows, "local-cores", "dstreams")?.extra;
  for (const [key, size, bound] of [["ms100k", "100k", 1.6], ["ms1k", "1k", 1.0]] as const) {
    const a = one?.[key];
    const b = two?.[key];
    targets.push(atLeast(`Word count at ${size}-line batches: local[2] ≥ ${bound.toFixed(1)} × local[1]`, a !== undefined && b !== undefined ? a / b : undefined, bound));
  }
  for (const [id, source] of [["local-cores-socket", "a socket"], ["local-cores-files", "text files"]] as const) {
    const oneMs = rowOf(rows, id, "hand loop")?.medianMs;
    const twoMs = rowOf(rows, id, "dstreams")?.medianMs;
    targets.push(atLeast(
      `Word count from ${source} at 100k-line batches: local[2] ≥ 1.6 × local[1]`,
      oneMs !== undefined && twoMs !== undefined ? oneMs / twoMs : undefined,
      1.6,
    ));
  }
  const sock = ds("socket")?.rate;
  targets.push(atLeast("Socket ingest: ≥ 500,000 lines/s (issue 5)", sock, 500_000, (v) => `${Math.round(v).toLocaleString("en-US")} lines/s`));
  return targets;
};

// -------------------------------------------------------------------------------------
// printing
// -------------------------------------------------------------------------------------

const formatRate = (rate: number): string => Math.round(rate).toLocaleString("en-US");

const formatExtra = (extra: Readonly<Record<string, number>> | undefined, heap: number | null | undefined): string => {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(extra ?? {})) parts.push(`${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`);
  if (heap !== undefined && heap !== null) parts.push(`heap=${heap.toFixed(0)} B/key`);
  return parts.join(" ");
};

/** The table, as printed (plain text, aligned columns). */
export const formatTable = (report: BenchReport): string => {
  const header = ["workload", "contender", "rate (records/s)", "unit", "vs hand loop", "median ms", "min–max ms", "figures"];
  const lines: string[][] = [header];
  for (const r of report.rows) {
    if (r.status === "ok") {
      lines.push([
        r.title,
        r.contender,
        formatRate(r.rate!),
        `${r.unit}/s`,
        r.vsHandLoop === undefined ? "" : r.vsHandLoop.toFixed(2),
        r.medianMs!.toFixed(1),
        `${Math.min(...r.runsMs!).toFixed(1)}–${Math.max(...r.runsMs!).toFixed(1)}`,
        formatExtra(r.extra, r.heapBytesPerKey),
      ]);
    } else {
      const what = r.status === "unavailable" ? "skipped" : r.status === "mismatch" ? "RESULTS DIFFER" : "ERROR";
      lines.push([r.title, r.contender, what, "", "", "", "", r.message ?? ""]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.filter((l) => l[i]!.length < 60).map((l) => l[i]!.length)));
  const pad = (cells: string[]) =>
    cells.map((c, i) => (i === 2 || i === 4 || i === 5 || i === 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = [pad(lines[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...lines.slice(1).map(pad)];
  out.push("", report.mode === "quick" ? "targets (quick mode: tiny inputs, one run — a smoke check, not a measurement):" : "targets:");
  for (const t of report.targets) out.push(`  ${t.met === null ? "n/a " : t.met ? "met " : "MISS"}  ${t.target}: ${t.measured}`);
  if (report.notes.length > 0) out.push("", "notes:", ...report.notes.map((n) => `  - ${n}`));
  out.push(
    "",
    `${report.mode} mode, ${report.isolated ? "one process per workload" : "in-process"}; dstreams ${report.commit}; node ${report.node}; ${report.machine.cpus} × ${report.machine.cpuModel}; load average ${report.machine.loadAverage.start.toFixed(1)} → ${report.machine.loadAverage.end.toFixed(1)}; ${report.date}`,
  );
  return out.join("\n");
};
