// Every test file runs on Deno too, unless it says why not: deno.json's "test"
// config includes the whole tests/ glob, and each file in its "exclude" list
// states its reason at its top ("Not run under Deno ..."). Runs on both runtimes.
import t from "tap";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

interface DenoTestConfig {
  readonly include?: ReadonlyArray<string>;
  readonly exclude?: ReadonlyArray<string>;
}

const config = JSON.parse(readFileSync(`${root}deno.json`, "utf8")) as { test?: DenoTestConfig };
const testFiles = readdirSync(`${root}tests`).filter((f) => f.endsWith(".test.ts")).map((f) => `tests/${f}`);

t.test("deno test includes every test file by glob, so a new file runs on Deno by default", async (t) => {
  t.strictSame(config.test?.include, ["tests/**/*.test.ts"]);
});

t.test("each test file left out of Deno exists and states why at its top", async (t) => {
  const excluded = config.test?.exclude ?? [];
  t.ok(excluded.length < testFiles.length / 4, `few files are Node-only (${excluded.length} of ${testFiles.length})`);
  for (const file of excluded) {
    t.ok(testFiles.includes(file), `${file} (in deno.json test.exclude) is a test file`);
    const head = testFiles.includes(file) ? readFileSync(`${root}${file}`, "utf8").slice(0, 2000) : "";
    t.match(head, /Not run under Deno \(listed in deno\.json "test\.exclude"\): \S/, `${file} states why it is not run under Deno`);
  }
});
