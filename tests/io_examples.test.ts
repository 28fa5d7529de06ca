/**
 * The input examples, run as a user runs them (Node, tsx): the file word count's demo
 * and its error for a missing directory, and the typed events example.
 */
import t from "tap";
import { blocksOf, runExample as run } from "./_examples.ts";

t.test("file_wordcount's demo counts the words of the files it drops, stops by itself and cleans up", async (t) => {
  const result = await run(["examples/file_wordcount.ts", "--demo", "2"]);
  t.equal(result.code, 0, `exits 0 (stderr: ${result.stderr.slice(0, 300)})`);
  const dir = /Watching (\S+);/.exec(result.stdout)?.[1];
  t.ok(dir, "names the directory it watches");
  t.equal(blocksOf(result.stdout).length, 2, "two pprint blocks");
  t.match(result.stdout, /\([a-z]+,\d+\)/, "word counts as (word,count)"); // pprint shows the first 10 of them, in hash order
  const { existsSync } = await import("node:fs");
  t.notOk(existsSync(dir!), "the temporary directory is removed");
});

t.test("file_wordcount on a missing directory says so and exits 1", async (t) => {
  const result = await run(["examples/file_wordcount.ts", "/no/such/dir"]);
  t.equal(result.code, 1);
  t.match(result.stderr, /textFileStream's directory "\/no\/such\/dir" does not exist: create it first/);
});

t.test("typed_events decodes JSON events, prints dead letters and counts, and stops by itself", async (t) => {
  const result = await run(["examples/typed_events.ts", "2"]);
  t.equal(result.code, 0, `exits 0 (stderr: ${result.stderr.slice(0, 300)})`);
  t.match(result.stdout, /\((click|view|buy),\d+\)/, "events counted by kind");
  t.match(result.stdout, /DeadLetter\(\d+ ms, receiverStream-0: (Invalid JSON|Expecting)/, "dead letters with their reason");
  const counts = [...result.stdout.matchAll(/received (\d+), valid (\d+), rejected (\d+)/g)].map((m) => m.slice(1).map(Number));
  t.equal(counts.length, 2, "one tally per batch");
  t.ok(counts.every(([received, valid, rejected]) => received === valid! + rejected!), "valid + rejected = received");
  t.equal(result.stderr, "", "nothing on stderr");
});
