#!/usr/bin/env node
// The project's `npm test`. Runs every check in order, streams its output,
// keeps going past failures, and ends with exactly one line:
//
//   N passed, N failed
//
// Counting:
// - tap: the runner's closing `# { total: N, pass: N, fail: N, ... }` comment
//   (test points, i.e. assertions and failed subtests, across all files);
// - deno test: its `ok | N passed ... | M failed` line (top-level tests);
// - typecheck, build, deno check, publish dry run: one check each.
// A step that exits non-zero without reporting a failure adds one failure
// (e.g. tap's "No valid test files found", or deno test dying in type-check).
// Exit code: 1 if anything failed or no tests ran at all, else 0.
//
// Usage: node scripts/test.mjs [--only=<step>[,<step>]]   (step names below)
import { spawn } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", name);
// Generous: a loaded 2-core machine ran the tap step in 16 minutes; CI allows 90 in all.
const STEP_TIMEOUT_MS = 25 * 60 * 1000;

const examples = existsSync(join(root, "examples"))
  ? readdirSync(join(root, "examples"))
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => `examples/${f}`)
  : [];

/** @typedef {{ passed: number, failed: number, tests: number }} Counts */
/** @typedef {"check" | "tap" | "deno-test"} Kind */
/** @type {Array<{ name: string, cmd: string, args: string[], kind: Kind, env?: Record<string, string>, before?: () => void }>} */
const steps = [
  { name: "typecheck", cmd: bin("tsc"), args: ["-p", "tsconfig.json"], kind: "check" },
  {
    name: "build",
    cmd: bin("tsc"),
    args: ["-p", "tsconfig.build.json"],
    kind: "check",
    before: () => rmSync(join(root, "dist"), { recursive: true, force: true }),
  },
  // terse: failures with source context and diffs, then the summary. CI=true
  // keeps tap's ink-based reporter from redrawing progress frames in a pipe.
  // No coverage: nothing reads its report, and instrumenting slows the crash and soak tests.
  { name: "tap", cmd: bin("tap"), args: ["--reporter=terse", "--disable-coverage"], kind: "tap", env: { CI: "true" } },
  { name: "deno check", cmd: bin("deno"), args: ["check", "mod.ts", "spi.ts", "ui.ts", ...examples], kind: "check" },
  { name: "deno test", cmd: bin("deno"), args: ["test", "-A"], kind: "deno-test" },
  // The @example blocks in mod.ts and lib/ are type-checked and run.
  { name: "deno test --doc", cmd: bin("deno"), args: ["test", "--doc", "mod.ts", "spi.ts", "ml.ts", "lib/"], kind: "deno-test" },
  {
    name: "deno publish --dry-run",
    cmd: bin("deno"),
    args: ["publish", "--dry-run", "--allow-dirty"],
    kind: "check",
  },
];

const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
if (only) {
  const unknown = only.filter((n) => !steps.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`Unknown step(s) ${unknown.map((n) => `"${n}"`).join(", ")}; steps: ${steps.map((s) => s.name).join(", ")}`);
    process.exit(2);
  }
}

// deno: colors only when we are on a terminal; parsing strips ANSI anyway.
const baseEnv = { ...process.env };
if (!process.stdout.isTTY) baseEnv.NO_COLOR = "1";

// deno-lint-ignore no-control-regex
const stripAnsi = (s) => s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");

/** @returns {Promise<{ code: number | null, signal: string | null, output: string, timedOut: boolean }>} */
function runStep(step) {
  return new Promise((resolve) => {
    const child = spawn(step.cmd, step.args, {
      cwd: root,
      env: { ...baseEnv, ...step.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: process.platform !== "win32", // own process group, for the timeout
    });
    let output = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d) => {
      process.stdout.write(d);
      output += d;
    });
    child.stderr.on("data", (d) => {
      process.stderr.write(d);
      output += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n[test] ${step.name}: timed out after ${STEP_TIMEOUT_MS / 1000} s, killing it`);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, STEP_TIMEOUT_MS);
    child.on("error", (err) => {
      output += `\n${err.message}`;
      console.error(`[test] ${step.name}: cannot start ${step.cmd}: ${err.message}`);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, timedOut });
    });
  });
}

/** @returns {Counts} */
function count(step, { code, output, timedOut }) {
  const ok = code === 0 && !timedOut;
  const text = stripAnsi(output);
  if (step.kind === "tap") {
    // e.g. "# { total: 49, pass: 39, fail: 10 }" or "# { total: 3, pass: 2, skip: 1 }"
    const line = [...text.matchAll(/^# \{ total: \d+[^}\n]*\}\s*$/gm)].at(-1)?.[0];
    if (line) {
      const num = (k) => Number(line.match(new RegExp(`\\b${k}: (\\d+)`))?.[1] ?? 0);
      const passed = num("pass");
      const failed = num("fail");
      return { passed, failed: failed + (!ok && failed === 0 ? 1 : 0), tests: num("total") };
    }
    return { passed: 0, failed: 1, tests: 0 };
  }
  if (step.kind === "deno-test") {
    // e.g. "ok | 7 passed (4 steps) | 0 failed (65ms)"
    //      "FAILED | 1 passed | 5 failed (1 step) (8ms)"
    const m = [...text.matchAll(/^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/gm)].at(-1);
    if (m) {
      const passed = Number(m[1]);
      const failed = Number(m[2]);
      return { passed, failed: failed + (!ok && failed === 0 ? 1 : 0), tests: passed + failed };
    }
    return { passed: 0, failed: 1, tests: 0 };
  }
  return ok ? { passed: 1, failed: 0, tests: 0 } : { passed: 0, failed: 1, tests: 0 };
}

const results = [];
for (const step of steps) {
  if (only && !only.includes(step.name)) continue;
  console.log(`\n[test] ==> ${step.name}: ${[step.cmd.replace(root, ""), ...step.args].join(" ")}`);
  const started = Date.now();
  step.before?.();
  const res = await runStep(step);
  const c = count(step, res);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const status = res.timedOut ? "timed out" : res.signal ? `killed by ${res.signal}` : `exit ${res.code}`;
  console.log(`[test] <== ${step.name}: ${c.passed} passed, ${c.failed} failed (${status}, ${secs} s)`);
  results.push({ name: step.name, ...c });
}

console.log("\n[test] summary");
for (const r of results) {
  console.log(`[test]   ${r.failed > 0 ? "FAIL" : "ok  "} ${r.name}: ${r.passed} passed, ${r.failed} failed`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const tests = results.reduce((n, r) => n + r.tests, 0);
const ranTestSteps = results.some((r) => steps.find((s) => s.name === r.name)?.kind !== "check");
if (ranTestSteps && tests === 0) console.log("[test] no tests ran");
process.exitCode = failed > 0 || (ranTestSteps && tests === 0) ? 1 : 0;
console.log(`${passed} passed, ${failed} failed`);
