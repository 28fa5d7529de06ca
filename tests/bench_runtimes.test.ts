/**
 * Not run under Deno (listed in deno.json "test.exclude"): it starts Node children with
 * Node's flags and a Deno child itself.
 *
 * `npm run bench:runtimes` in quick mode, so the Deno-against-Node comparison cannot rot:
 * both runtimes run the word count, their results agree, and a ratio comes out. Never
 * asserts times.
 */
import t from "tap";
import { formatRuntimes, runRuntimes } from "../bench/runtimes.ts";

t.test("word count runs under Node and under Deno with the same results and yields a ratio", async (t) => {
  const rows = await runRuntimes(["wordcount"], 1, true, () => {});
  t.equal(rows.length, 1);
  const [row] = rows;
  t.equal(row!.problem, undefined, "no child failed and the results agreed");
  t.ok(Number.isFinite(row!.dstreamsDenoOverNode) && row!.dstreamsDenoOverNode! > 0, "dstreams has a Deno/Node ratio");
  t.ok(Number.isFinite(row!.handLoopDenoOverNode) && row!.handLoopDenoOverNode! > 0, "the hand loop has one too");
  t.match(formatRuntimes(rows, { start: 1, end: 1 }), /wordcount\s+\d+\.\d\d/);
});

t.test("a workload that does not exist is reported, not dropped", async (t) => {
  const rows = await runRuntimes(["no-such-workload"], 1, true, () => {});
  t.match(rows[0]!.problem, /without a result/);
  t.match(formatRuntimes(rows, { start: 1, end: 1 }), /no-such-workload\s+NOT MEASURED/);
});
