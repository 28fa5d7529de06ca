/**
 * Summarises a V8 .cpuprofile: the top functions by self time, and self time grouped
 * by file (lib/ files of dstreams, node internals, the bench itself, …).
 *
 *   node --import ./bench/loader/register.mjs bench/profile_summary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from "node:fs";
import process from "node:process";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  /** Samples per 1-based source line of the function (mapped by bench/profile.ts). */
  readonly positionTicks?: ReadonlyArray<{ readonly line: number; readonly ticks: number }>;
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>;
  readonly samples: ReadonlyArray<number>;
  readonly timeDeltas: ReadonlyArray<number>;
  readonly startTime: number;
  readonly endTime: number;
}

const [file, topArg = "25"] = process.argv.slice(2);
if (file === undefined) {
  console.error("Usage: node --import ./bench/loader/register.mjs bench/profile_summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  // A sample's time is the delta to the next sample.
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + dt);
}
const shortUrl = (url: string): string => {
  const m = /\/(lib|bench|tests|node_modules\/[^/]+)\/(.*)$/.exec(url);
  if (m !== null) return `${m[1]}/${m[2]}`;
  if (url.startsWith("node:")) return url;
  return url === "" ? "(native)" : url.replace(/^file:\/\//, "");
};
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const [id, us] of selfUs) {
  const f = byId.get(id)!.callFrame;
  const name = f.functionName === "" ? "(anonymous)" : f.functionName;
  const where = shortUrl(f.url);
  const key = `${name}  ${where}${f.url === "" ? "" : `:${f.lineNumber + 1}`}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const fileKey = f.url === "" ? name.startsWith("(") ? name : "(native)" : where;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  total += us;
}
// Hot lines: samples per source line, from positionTicks.
const byLine = new Map<string, { ticks: number; url: string; line: number }>();
let allTicks = 0;
for (const node of profile.nodes) {
  for (const { line, ticks } of node.positionTicks ?? []) {
    const key = `${node.callFrame.url}:${line}`;
    const e = byLine.get(key) ?? { ticks: 0, url: node.callFrame.url, line };
    e.ticks += ticks;
    byLine.set(key, e);
    allTicks += ticks;
  }
}
const sourceLines = new Map<string, ReadonlyArray<string>>();
const lineText = (url: string, line: number): string => {
  if (!sourceLines.has(url)) {
    let text: ReadonlyArray<string> = [];
    try {
      text = readFileSync(url.startsWith("file:") ? new URL(url) : url, "utf8").split("\n");
    } catch {
      // not a readable file (node internals)
    }
    sourceLines.set(url, text);
  }
  return (sourceLines.get(url)![line - 1] ?? "").trim().slice(0, 90);
};
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
console.log(`\nTop ${topArg} functions by self time:`);
for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))) console.log(`${ms(us)} ${pct(us)}  ${k}`);
if (allTicks > 0) {
  console.log(`\nHot lines (share of ${allTicks} samples with a line):`);
  for (const e of [...byLine.values()].sort((a, b) => b.ticks - a.ticks).slice(0, Number(topArg))) {
    console.log(`${((100 * e.ticks) / allTicks).toFixed(1).padStart(5)}%  ${`${shortUrl(e.url)}:${e.line}`.padEnd(34)} ${lineText(e.url, e.line)}`);
  }
}
console.log("\nSelf time by file:");
for (const [k, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${ms(us)} ${pct(us)}  ${k}`);
