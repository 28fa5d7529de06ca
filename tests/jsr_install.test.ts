// The JSR install test: publishes the package with `deno publish` to a JSR-shaped
// registry on 127.0.0.1 (tests/_jsr_server.ts, `JSR_URL`), then, in a fresh Deno
// project (a temp dir with its own deno.json and no node_modules), imports
// `jsr:@dstreams/dstreams` and `jsr:@dstreams/dstreams/spi`, type-checks and runs a
// small pipeline through them. The package's fp-ts and io-ts imports resolve because
// `deno publish` rewrites the bare specifiers of lib/ to `npm:` ones from
// package.json's dependencies; the consumer fetches those from the npm registry.
//
// Not run under Deno (listed in deno.json "test.exclude"): it is itself a test of
// Deno (it spawns `deno publish` and `deno run`); run from `deno test` it would do
// the same work a second time and prove nothing new. It runs from tap on Node.
import t from "tap";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startJsrServer } from "./_jsr_server.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const deno = join(root, "node_modules", ".bin", "deno");

/** Every file under `dir` (relative to the repository root, "/"-rooted). */
const walk = async (dir: string): Promise<string[]> =>
  (await readdir(join(root, dir), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => `/${relative(root, join(e.parentPath, e.name)).split("\\").join("/")}`);

t.test("the package published to JSR installs in a fresh Deno project and runs", async (t) => {
  const server = await startJsrServer().catch((err: Error) => {
    throw new Error(`Cannot start the loopback JSR registry for this test: ${err.message}`, { cause: err });
  });
  const tmp = await mkdtemp(join(tmpdir(), "dstreams-jsr-"));
  t.teardown(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  // A DENO_DIR of its own: nothing cached from an earlier run (or from the checkout)
  // can stand in for what the registry serves. Settings that `npm test` puts in the
  // environment (npm_config_*) stay out of the nested runs.
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_"))),
    JSR_URL: server.url,
    DENO_DIR: join(tmp, "deno_dir"),
    DISABLE_JSR_PROVENANCE: "1",
    NO_COLOR: "1",
  };
  const exec = (args: string[], cwd: string) =>
    run(deno, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 90_000 }).catch(
      (err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(
          `deno ${args.join(" ")} failed in ${cwd}:\n${err.stderr ?? ""}${err.stdout ?? ""}\n` +
            `registry requests:\n${server.log.join("\n")}`,
          { cause: err },
        );
      },
    );

  await exec(["publish", "--token", "loopback-test", "--allow-dirty", "--no-provenance"], root);
  const version = server.published.get("@dstreams/dstreams@0.2.0");
  t.ok(version, `deno publish uploaded @dstreams/dstreams@0.2.0 (published: ${[...server.published.keys()].join(", ")})`);
  if (version === undefined) return;
  t.strictSame(
    version.exports,
    {
      ".": "./mod.ts",
      "./spi": "./spi.ts",
      "./ui": "./ui.ts",
      "./kafka": "./kafka.ts",
      "./postgres": "./postgres.ts",
      "./redis": "./redis.ts",
      "./nats": "./nats.ts",
      "./ml": "./ml.ts",
    },
    "the entry points ., ./spi, ./ui, ./ml, ./kafka and the other connectors",
  );
  const files = [...version.files.keys()].sort();
  t.strictSame(
    files,
    ["/LICENSE", "/README.md", "/deno.json", "/mod.ts", "/spi.ts", "/ui.ts", "/kafka.ts", "/nats.ts", "/redis.ts", "/postgres.ts", "/ml.ts", ...(await walk("lib"))].sort(),
    "the files of deno.json's publish.include (and deno.json), nothing else",
  );
  const source = (path: string) => new TextDecoder().decode(version.files.get(path));
  t.match(source("/mod.ts"), /from "npm:fp-ts@\^2\.\d+\.\d+\/lib\/function\.js"/, "bare fp-ts imports become npm: specifiers");
  t.match(source("/lib/postgres/save.ts"), /from "npm:pg@[^"]+"/, "a connector's client import becomes an npm: specifier too");

  const app = join(tmp, "consumer");
  await mkdir(app);
  await writeFile(join(app, "deno.json"), JSON.stringify({ imports: {} }, null, 2));
  await writeFile(
    join(app, "main.ts"),
    [
      'import { count, flatMap, ManualClock, pipe, pprint, Seconds, SparkContext, StreamingContext } from "jsr:@dstreams/dstreams";',
      'import { graphOf } from "jsr:@dstreams/dstreams/spi";',
      "",
      "type IsAny<T> = 0 extends 1 & T ? true : false;",
      "const notAny: IsAny<typeof StreamingContext> = false;",
      "",
      "const clock = new ManualClock();",
      'const ssc = new StreamingContext(new SparkContext({ appName: "jsr" }), Seconds(1), { clock });',
      "const blocks: string[] = [];",
      "pipe(",
      '  ssc.queueStream([["to be or", "not to be"]]),',
      '  flatMap((line: string) => line.split(" ")),',
      "  count(),",
      "  pprint(10, { print: (block) => blocks.push(block) }),",
      ");",
      "ssc.start();",
      "await clock.advance(Seconds(1));",
      "await ssc.stop();",
      'console.log(JSON.stringify({ notAny, graph: typeof graphOf(ssc), blocks }));',
      "",
    ].join("\n"),
  );
  const result = await exec(["run", "--check", "main.ts"], app);
  const printed = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "null") as
    | { notAny: boolean; graph: string; blocks: string[] }
    | null;
  t.equal(printed?.notAny, false, "StreamingContext keeps its type (not any) through jsr:");
  t.equal(printed?.graph, "object", "the ./spi entry point resolves and works on the same context");
  t.match(printed?.blocks[0] ?? "", /^-+\nTime: \d{4}-\d\d-\d\d \d\d:\d\d:01\n-+\n6\n/, "the pipeline counts the six words");
  t.match(
    server.log.join("\n"),
    /GET \/@dstreams\/dstreams\/meta\.json -> 200[^]*GET \/@dstreams\/dstreams\/0\.2\.0_meta\.json -> 200/,
    "the consumer resolved the package through the registry",
  );
});
