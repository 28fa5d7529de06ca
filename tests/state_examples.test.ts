/**
 * The stateful examples, run as a user runs them (Node, tsx): the running word count's
 * counts only grow from batch to batch, and the session tracker ends each idle session
 * once and finishes by itself.
 */
import t from "tap";
import { blocksOf, runExample as run } from "./_examples.ts";

t.test("stateful_wordcount's demo prints running counts that never shrink, then stops", async (t) => {
  const result = await run(["examples/stateful_wordcount.ts", "--demo", "2"]);
  t.equal(result.code, 0, `exits 0 (stderr: ${result.stderr.slice(0, 500)})`);
  const blocks = blocksOf(result.stdout);
  t.equal(blocks.length, 2, "one block per batch");
  const countOf = (block: string, word: string) => Number(new RegExp(`^\\(${word},(\\d+)\\)$`, "m").exec(block)?.[1] ?? 0);
  t.equal(countOf(blocks[0] ?? "", "hello"), 1, "the initial state is in the first batch's output");
  t.ok(countOf(blocks[1] ?? "", "the") >= countOf(blocks[0] ?? "", "the"), "counts accumulate across batches");
});

t.test("sessions ends each idle session once, in time order, and finishes by itself", async (t) => {
  const result = await run(["examples/sessions.ts"]);
  t.equal(result.code, 0, `exits 0 (stderr: ${result.stderr.slice(0, 500)})`);
  const ended = result.stdout.split("\n").filter((line) => line.includes("session ended"));
  t.same(ended, [
    "bob's session ended: 1 clicks from 1000 ms (/home)",
    "alice's session ended: 3 clicks from 1000 ms (/home → /pricing → /signup)",
    "carol's session ended: 2 clicks from 3000 ms (/docs → /docs/state)",
    "bob's session ended: 1 clicks from 7000 ms (/home)",
  ]);
  t.match(result.stdout, /open sessions at 10000 ms: none/);
});
