/**
 * Profiles dstreams alone on one workload, to see where its time goes:
 *
 *   node --enable-source-maps --import ./bench/loader/register.mjs bench/profile.ts wordcount [runs=10] [out=…]
 *   node --import ./bench/loader/register.mjs bench/profile_summary.ts bench/profiles/wordcount.cpuprofile
 *
 * Builds the workload's full-size input and warms dstreams up with one run, then
 * records a V8 CPU profile (the profiler behind `node --cpu-prof`, driven through
 * node:inspector so that input generation and start-up stay out of it) over `runs`
 * runs. Positions are mapped back to the .ts sources through the loaded modules' source
 * maps (with `--enable-source-maps`; under tsx, which minifies whitespace, a raw
 * profile would read "line 1" everywhere). The file opens in Chrome DevTools or
 * speedscope.
 */
import { writeFileSync } from "node:fs";
import { mkdirSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { findSourceMap } from "node:module";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { ContenderRun, Sink } from "./harness.ts";
import { WORKLOADS } from "./workloads/index.ts";

const [id = "wordcount", runsArg = "10", outArg] = process.argv.slice(2);
const workload = WORKLOADS.find((w) => w.id === id);
if (workload === undefined) {
  console.error(`Unknown workload ${id}; workloads: ${WORKLOADS.map((w) => w.id).join(", ")}`);
  process.exit(2);
}
const impl = workload.contenders.dstreams;
if ("unavailable" in impl) {
  console.error(`dstreams cannot run ${id}: ${impl.unavailable}`);
  process.exit(1);
}
const run = impl as ContenderRun<unknown, unknown>;
const out = outArg ?? fileURLToPath(new URL(`./profiles/${id}.cpuprofile`, import.meta.url));

/** A sink that only counts, like the timed runs' light sink. */
const sink = (): Sink<unknown> => {
  const times: number[] = [];
  let n = 0;
  const f = ((output: ReadonlyArray<unknown> | (() => ReadonlyArray<unknown>)) => {
    // dstreams rows hand over `() => rdd.collect()`: call it, or the profile sees only the lazy set-up.
    const records = typeof output === "function" ? output() : output;
    n += records.length;
    times.push(performance.now());
  }) as Sink<unknown>;
  Object.defineProperty(f, "times", { value: times });
  return f;
};

const input = await workload.prepare({ quick: false });
try {
  await run(input, sink()); // warm-up, not profiled
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  const runs = Number(runsArg);
  const started = performance.now();
  for (let i = 0; i < runs; i++) await run(input, sink());
  const elapsed = performance.now() - started;
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  // Map generated positions back to the TypeScript sources: each function's start,
  // and each line that samples fell on (positionTicks, 1-based generated lines).
  interface Entry {
    readonly generatedLine?: number;
    readonly originalSource?: string;
    readonly originalLine?: number;
    readonly originalColumn?: number;
  }
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    const map = frame.url === "" ? undefined : findSourceMap(frame.url);
    if (map === undefined) continue;
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as Entry;
    if (entry.originalSource === undefined) continue;
    node.positionTicks = node.positionTicks?.map((tick) => {
      // The last mapping on the generated line tells the original line.
      const e = map.findEntry(tick.line - 1, 100_000) as Entry;
      return e.generatedLine === tick.line - 1 && e.originalLine !== undefined ? { ...tick, line: e.originalLine + 1 } : tick;
    });
    frame.url = entry.originalSource;
    frame.lineNumber = entry.originalLine!;
    frame.columnNumber = entry.originalColumn!;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(profile));
  console.log(`${workload.title}: dstreams, ${runs} runs in ${elapsed.toFixed(0)} ms (${(elapsed / runs).toFixed(1)} ms per run); profile in ${out}`);
} finally {
  await workload.dispose?.(input);
}
