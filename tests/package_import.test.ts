// Node only (spawns npm): packs the package as it would be published, installs
// the tarball into a fresh plain-Node ESM project, and imports it by name
// there, from JavaScript and from a type-checked TypeScript consumer.
// `npm pack` runs the `prepack` script, so this rebuilds dist/ first.
//
// Not run under Deno (listed in deno.json "test.exclude"): it tests what a Node
// user installs from npm; run from `deno test` it would do the same Node-side
// work a second time (a rebuild of dist/ and an npm install) and prove nothing new.
import t from "tap";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

// Settings that `npm test` puts in the environment must not leak into the
// nested npm runs (e.g. npm_config_* from the outer invocation).
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")),
);
const exec = (cmd: string, args: string[], cwd: string) =>
  run(cmd, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 90_000 });

t.test("the packed tarball installs and imports by name", async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), "dstreams-pack-"));
  t.teardown(() => rm(tmp, { recursive: true, force: true }));

  const packed = await exec(npm, ["pack", "--json", "--pack-destination", tmp], root);
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  t.ok(info, "npm pack reported a tarball");
  if (!info) return;
  const files = info.files.map((f) => f.path);
  t.ok(files.includes("dist/mod.js"), "tarball has dist/mod.js");
  t.ok(files.includes("dist/mod.d.ts"), "tarball has dist/mod.d.ts");
  t.ok(files.includes("package.json"), "tarball has package.json");
  t.same(
    files.filter((f) => !/^(dist\/|package\.json$|README\.md$|LICENSE$)/.test(f)),
    [],
    "tarball holds only dist/, package.json, README.md and LICENSE",
  );
  const tarballs = (await readdir(tmp)).filter((f) => f.endsWith(".tgz"));
  t.equal(tarballs.length, 1, "one tarball written");

  const app = join(tmp, "consumer");
  await mkdir(app);
  await writeFile(
    join(app, "package.json"),
    JSON.stringify({ name: "consumer", version: "0.0.0", private: true, type: "module" }, null, 2),
  );
  await exec(
    npm,
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", join(tmp, info.filename)],
    app,
  );

  await writeFile(
    join(app, "check.mjs"),
    [
      'import { StreamingContext } from "dstreams";',
      'if (typeof StreamingContext !== "function") {',
      '  console.error("StreamingContext is " + typeof StreamingContext);',
      "  process.exit(1);",
      "}",
      'console.log("ok " + typeof StreamingContext);',
      "",
    ].join("\n"),
  );
  const js = await exec(process.execPath, ["check.mjs"], app);
  t.equal(js.stdout.trim(), "ok function", "plain Node ESM imports StreamingContext by package name");

  // A TypeScript consumer: the published .d.ts files must resolve (including
  // their fp-ts/io-ts imports) and StreamingContext must not degrade to any.
  await writeFile(
    join(app, "consumer.ts"),
    [
      'import { StreamingContext } from "dstreams";',
      "type IsAny<T> = 0 extends 1 & T ? true : false;",
      "const notAny: IsAny<typeof StreamingContext> = false;",
      "export const ctor: abstract new (...args: never[]) => unknown = StreamingContext;",
      "export { notAny };",
      "",
    ].join("\n"),
  );
  await writeFile(
    join(app, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2023"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ["node"],
          typeRoots: [join(root, "node_modules", "@types")],
        },
        files: ["consumer.ts"],
      },
      null,
      2,
    ),
  );
  const typecheck = await exec(process.execPath, [tsc, "-p", "tsconfig.json"], app).then(
    () => "",
    (err: { stdout?: string; stderr?: string; message: string }) =>
      `${err.stdout ?? ""}${err.stderr ?? ""}` || err.message,
  );
  t.equal(typecheck, "", "a TypeScript NodeNext consumer type-checks against dist/*.d.ts");
});
