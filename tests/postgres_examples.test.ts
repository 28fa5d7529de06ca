/** examples/nats_to_postgres.ts --demo, run as a user runs it (Node, tsx): totals per batch land in PostgreSQL once. */
import t from "tap";
import { runExample } from "./_examples.ts";

t.test("nats_to_postgres's demo sums orders per customer per batch into PostgreSQL and prints the bad order as a dead letter", async (t) => {
  const result = await runExample(["examples/nats_to_postgres.ts", "--demo"]);
  t.equal(result.code, 0, `exits 0 (stderr: ${result.stderr.slice(0, 500)})`);
  t.match(result.stdout, /dead letter: DeadLetter\(2000 ms, jetstream:ORDERS:totals: decode threw: .*JSON/);
  const table = result.stdout.split("order_totals:\n")[1]?.trim().split("\n").map((l) => l.trim().replace(/\s+/g, " "));
  t.same(table, ["batch 1000 ms ada 42", "batch 1000 ms bob 5", "batch 2000 ms bob 1", "batch 2000 ms cy 7", "written 4, rejected 0"]);
});
