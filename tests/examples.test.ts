/**
 * The seed program, run as a user runs it: `npm start`'s demo, the host/port form
 * against a server like `nc -lk`, on Node (tsx) and on Deno, and Ctrl-C.
 */
import t from "tap";
import { startTextFeeder } from "../mod.ts";
import { bin, blocksOf, type Run, run } from "./_examples.ts";

const example = "examples/network_wordcount.ts";

/** The assertions used here, as both tap and the Deno shim provide them. */
interface Assert {
  equal(actual: unknown, expected: unknown, message: string): void;
  match(actual: string, pattern: RegExp, message: string): void;
}

const checkWordCount = (t: Assert, result: Run, batches: number) => {
  t.equal(result.code, 0, `exits 0 (stderr: ${result.stderr.slice(0, 500)})`);
  const blocks = blocksOf(result.stdout);
  t.equal(blocks.length, batches, `${batches} pprint blocks`);
  for (const block of blocks) t.match(block, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n-{43}\n/, "each block opens with the batch time and dashes");
  t.match(result.stdout, /\(\w+,\d+\)/, "word counts as (word,count)");
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
    // In Scala Spark's order: hash partitioned, then AppendOnlyMap slot order.
    t.match(result.stdout, /\(not,\d+\)\n\(or,\d+\)\n\(be,\d+\)\n\(to,\d+\)/);
  } finally {
    await feeder.close();
  }
});

t.test("the windowed word count's demo prints a window every slide and stops by itself", async (t) => {
  const result = await run(bin("tsx"), ["examples/windowed_wordcount.ts", "--demo", "2"]);
  t.equal(result.code, 0, `exits 0 (stderr: ${result.stderr.slice(0, 500)})`);
  t.equal(blocksOf(result.stdout).length, 2, "one block per window");
});

t.test("without arguments it prints its usage and exits 1", async (t) => {
  const result = await run(bin("tsx"), [example]);
  t.equal(result.code, 1);
  t.match(result.stderr, /Usage: network_wordcount\.ts <hostname> <port>/);
});
