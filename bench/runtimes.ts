/**
 * `npm run bench:runtimes`: dstreams under Deno against dstreams under Node (issue 14,
 * point 8: "Deno stays within 0.9× of Node").
 *
 *   node --expose-gc --import ./bench/loader/register.mjs bench/runtimes.ts [--quick]
 *     [--only=wordcount,join] [--rounds=3]
 *
 * Each workload runs as the harness's own child (`bench/run.ts --child=<id>`) with the
 * hand loop and dstreams, once under Node and once under Deno per round, the order
 * alternating from round to round so that a drift in the machine's load does not favour
 * one runtime. Deno runs the TypeScript itself; Node through bench/loader (the JavaScript
 * `npm run build` ships). Reported per workload: dstreams' rate under Deno over its rate
 * under Node (the median of each round's ratio), and the same for the hand loop, which
 * shows how much of a difference is the runtime's own (V8 versions, `Map`, `split`) and not
 * dstreams'.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";

const RESULT_PREFIX = "@@bench-result ";
const root = fileURLToPath(new URL("..", import.meta.url));
const runScript = fileURLToPath(new URL("./run.ts", import.meta.url));

/** The workloads measured by default: the ones with a dstreams row that does not need a server. */
const DEFAULT_WORKLOADS = ["wordcount", "batch-size", "grep", "windowed", "running-counts", "join", "empty-batches", "decode", "socket"];

type Runtime = "node" | "deno";

interface Measured {
  readonly contender: string;
  readonly status: string;
  readonly message?: string;
  readonly records?: number;
  readonly runsMs?: ReadonlyArray<number>;
  readonly verifyCheck?: string;
}

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const denoBinary = (): string => {
  const local = `${root}node_modules/.bin/deno`;
  return existsSync(local) ? local : "deno";
};

const commandOf = (runtime: Runtime, workload: string, quick: boolean): [string, string[]] => {
  const child = [`--child=${workload}`, "--contenders=hand loop,dstreams", ...(quick ? ["--quick"] : [])];
  return runtime === "node"
    ? [process.execPath, ["--expose-gc", "--import", "./bench/loader/register.mjs", runScript, ...child]]
    : [denoBinary(), ["run", "-A", "--v8-flags=--expose-gc", runScript, ...child]];
};

/** One child run: its contenders' results, or an error message. */
const measure = (runtime: Runtime, workload: string, quick: boolean): Promise<ReadonlyArray<Measured> | string> =>
  new Promise((resolve) => {
    const [command, args] = commandOf(runtime, workload, quick);
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", (error) => resolve(`${runtime} did not start (${error.message})`));
    child.on("close", (code, signal) => {
      const line = out.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (line !== undefined) return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as Measured[]);
      const tail = err.trim().split("\n").slice(-3).join(" | ");
      resolve(`${runtime} child ended (${signal ?? `exit ${code}`}) without a result: ${tail}`);
    });
  });

const rateOf = (results: ReadonlyArray<Measured>, contender: string): number | undefined => {
  const r = results.find((x) => x.contender === contender);
  if (r?.status !== "ok" || r.records === undefined || r.runsMs === undefined) return undefined;
  return r.records / (median(r.runsMs) / 1000);
};

export interface RuntimeRow {
  readonly workload: string;
  /** dstreams' rate under Deno over its rate under Node, the median over rounds. */
  readonly dstreamsDenoOverNode?: number;
  /** The same for the hand loop. */
  readonly handLoopDenoOverNode?: number;
  /**
   * dstreams ÷ hand loop under Deno over the same under Node (median over rounds): whether
   * dstreams' own machinery loses more under Deno than plain code does. The contenders of one
   * child take turns, so this holds up under load better than the raw ratios.
   */
  readonly relativeDenoOverNode?: number;
  /** Each round's dstreams ratio. */
  readonly rounds: ReadonlyArray<number>;
  readonly problem?: string;
}

export const runRuntimes = async (
  workloads: ReadonlyArray<string>,
  rounds: number,
  quick: boolean,
  log: (line: string) => void,
): Promise<RuntimeRow[]> => {
  const rows: RuntimeRow[] = [];
  for (const workload of workloads) {
    const dstreams: number[] = [];
    const hand: number[] = [];
    const relative: number[] = [];
    let problem: string | undefined;
    for (let round = 0; round < rounds && problem === undefined; round++) {
      const order: Runtime[] = round % 2 === 0 ? ["node", "deno"] : ["deno", "node"];
      const got = new Map<Runtime, ReadonlyArray<Measured>>();
      for (const runtime of order) {
        const results = await measure(runtime, workload, quick);
        if (typeof results === "string") {
          problem = results;
          break;
        }
        got.set(runtime, results);
      }
      if (problem !== undefined) break;
      const node = got.get("node")!;
      const deno = got.get("deno")!;
      const checks = [...node, ...deno].filter((r) => r.status === "ok").map((r) => r.verifyCheck);
      if (new Set(checks).size > 1) {
        problem = `results differ between runtimes or contenders: ${[...new Set(checks)].join(" / ")}`;
        break;
      }
      const [dn, dd, hn, hd] = [rateOf(node, "dstreams"), rateOf(deno, "dstreams"), rateOf(node, "hand loop"), rateOf(deno, "hand loop")];
      if (dn === undefined || dd === undefined || hn === undefined || hd === undefined) {
        const failed = [...node, ...deno].find((r) => r.status !== "ok");
        problem = `a contender did not run: ${failed?.contender ?? "?"}: ${failed?.message ?? failed?.status ?? "no result"}`;
        break;
      }
      dstreams.push(dd / dn);
      hand.push(hd / hn);
      relative.push((dd / hd) / (dn / hn));
      log(`[runtimes] ${workload} round ${round + 1}/${rounds}: dstreams Deno/Node ${(dd / dn).toFixed(2)}, hand loop ${(hd / hn).toFixed(2)}`);
    }
    rows.push(
      problem === undefined
        ? {
          workload,
          dstreamsDenoOverNode: median(dstreams),
          handLoopDenoOverNode: median(hand),
          relativeDenoOverNode: median(relative),
          rounds: dstreams,
        }
        : { workload, rounds: dstreams, problem },
    );
  }
  return rows;
};

export const formatRuntimes = (rows: ReadonlyArray<RuntimeRow>, load: { start: number; end: number }): string => {
  const lines = [
    "Deno against Node: rate under Deno ÷ rate under Node (median over rounds; target for dstreams ≥ 0.9)",
    "  (relative: dstreams ÷ hand loop under Deno, over the same under Node)",
    "  workload         dstreams  hand loop  relative  rounds (dstreams)",
  ];
  for (const r of rows) {
    if (r.problem !== undefined) {
      lines.push(`  ${r.workload.padEnd(15)}  NOT MEASURED: ${r.problem}`);
      continue;
    }
    const verdict = r.dstreamsDenoOverNode! >= 0.9 ? "met " : "MISS";
    lines.push(
      `  ${r.workload.padEnd(15)}  ${r.dstreamsDenoOverNode!.toFixed(2).padStart(8)}  ${r.handLoopDenoOverNode!.toFixed(2).padStart(9)}  ${r.relativeDenoOverNode!.toFixed(2).padStart(8)}  ${
        r.rounds.map((x) => x.toFixed(2)).join(", ")
      }  ${verdict}`,
    );
  }
  lines.push(`load average ${load.start.toFixed(1)} → ${load.end.toFixed(1)}; ${new Date().toISOString()}`);
  return lines.join("\n");
};

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("bench/runtimes.ts")) {
  const args = process.argv.slice(2);
  const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = args.includes("--quick");
  const workloads = value("only")?.split(",") ?? DEFAULT_WORKLOADS;
  const rounds = Number(value("rounds") ?? (quick ? 1 : 3));
  if (!Number.isSafeInteger(rounds) || rounds < 1) {
    console.error(`--rounds must be a whole number ≥ 1, got ${value("rounds")}`);
    process.exit(2);
  }
  const start = loadavg()[0]!;
  const rows = await runRuntimes(workloads, rounds, quick, (line) => console.error(line));
  console.log(formatRuntimes(rows, { start, end: loadavg()[0]! }));
  if (rows.some((r) => r.problem !== undefined)) process.exitCode = 1;
}
