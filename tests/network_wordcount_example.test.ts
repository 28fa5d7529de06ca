/**
 * The seed program, run as a user runs it: `npm start`'s demo, the host/port form
 * against a server like `nc -lk`, on Node (tsx) and on Deno, and Ctrl-C.
 */
import t from "tap";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startTextFeeder } from "../mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const example = "examples/network_wordcount.ts";
const DASHES = "-".repeat(43);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; `onOutput` may act on the output so far (e.g. send SIGINT). */
const run = (command: string, args: string[], onOutput?: (stdout: string, kill: (signal: NodeJS.Signals) => void) => void) =>
  new Promise<Run>((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      onOutput?.(stdout, (signal) => child.kill(signal));
    });
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });

const blocksOf = (stdout: string) => stdout.split(`${DASHES}\nTime: `).slice(1);

/** The assertions used here, as both tap and the Deno shim provide them. */
interface Assert {
  equal(actual: unknown, expected: unknown, message: string): void;
  match(actual: string, pattern: RegExp, message: string): void;
}

const checkWordCount = (t: Assert, result: Run, batches: number) => {
  t.equal(result.code, 0, `exits 0 (stderr: ${result.stderr.slice(0, 500)})`);
  const blocks = blocksOf(result.stdout);
  t.equal(blocks.length, batches, `${batches} pprint blocks`);
  for (const block of blocks) t.match(block, /^\d+ ms\n-{43}\n/, "each block opens with the batch time and dashes");
  t.match(result.stdout, /\(the,\d+\)/, "word counts as (word,count)");
};

t.test("npm start's demo counts words from the built-in feeder and stops by itself (Node, tsx)", async (t) => {
  checkWordCount(t, await run(bin("tsx"), [example, "--demo", "2"]), 2);
});

t.test("the demo runs unchanged on Deno", async (t) => {
  checkWordCount(t, await run(bin("deno"), ["run", "--allow-net", example, "--demo", "2"]), 2);
});

t.test("with a hostname and port it reads from that server, like nc -lk 9999; Ctrl-C stops it cleanly", async (t) => {
  const feeder = await startTextFeeder({ lines: ["to be or not to be"], linesPerSecond: 20 });
  try {
    let interrupted = false;
    const result = await run(bin("tsx"), [example, "localhost", String(feeder.port)], (stdout, kill) => {
      if (!interrupted && /\(be,\d+\)/.test(stdout)) {
        interrupted = true;
        kill("SIGINT");
      }
    });
    t.ok(interrupted, "it printed counts from the server");
    t.equal(result.code, 0, `a clean exit after Ctrl-C (stderr: ${result.stderr.slice(0, 500)})`);
    t.match(result.stdout, /\(to,\d+\)\n\(be,\d+\)\n\(or,\d+\)\n\(not,\d+\)/);
  } finally {
    await feeder.close();
  }
});

t.test("without arguments it prints its usage and exits 1", async (t) => {
  const result = await run(bin("tsx"), [example]);
  t.equal(result.code, 1);
  t.match(result.stderr, /Usage: network_wordcount\.ts <hostname> <port>/);
});
