/** examples/redis_sessions.ts --demo, run as a user runs it (Node, tsx): mapWithState sessions over a Redis stream. */
import t from "tap";
import { runExample } from "./_examples.ts";

t.test("redis_sessions's demo starts and ends each user's session and prints the entry that is not a click as a dead letter", async (t) => {
  const result = await runExample(["examples/redis_sessions.ts", "--demo"]);
  t.equal(result.code, 0, `exits 0 (stderr: ${result.stderr.slice(0, 500)})`);
  const events = result.stdout.split("\n").filter((l) => /session (started|ended)/.test(l));
  t.same(events, [
    "alice's session started at 1000 ms",
    "bob's session started at 1000 ms",
    "carol's session started at 2000 ms",
    "bob's session ended: 1 clicks from 1000 ms (/home)",
    "carol's session ended: 1 clicks from 2000 ms (/docs)",
    "alice's session ended: 3 clicks from 1000 ms (/home → /pricing → /signup)",
  ]);
  t.match(result.stdout, /dead letter: DeadLetter\(3000 ms, redisStreams:clicks:sessions: decode threw: a click needs fields user and page, got note/);
});
