/**
 * `npm run bench` (full), `npm run bench:quick` (tiny inputs, same code paths).
 *
 *   node --expose-gc --import ./bench/loader/register.mjs bench/run.ts [--quick] [--only=wordcount,grep]
 *     [--contenders=dstreams,RxJS] [--isolate | --no-isolate] [--out=path | --no-out]
 *
 * Prints the table on standard output, progress on standard error, and writes
 * bench/results.json. `--child=<workload>` is the harness's own child mode.
 */
import process from "node:process";
import { CONTENDERS, type ContenderName, formatTable, runBench, runChild } from "./harness.ts";
import { WORKLOADS } from "./workloads/index.ts";

const args = process.argv.slice(2);
const value = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const flag = (name: string): boolean => args.includes(`--${name}`);

const known = ["quick", "isolate", "no-isolate", "no-out", "only", "contenders", "out", "child", "help"];
const unknown = args.filter((a) => !known.includes(a.replace(/^--/, "").replace(/=.*$/, "")));
if (unknown.length > 0 || flag("help")) {
  if (unknown.length > 0) console.error(`Unknown argument(s): ${unknown.join(" ")}`);
  console.error(
    "Usage: npm run bench -- [--quick] [--only=<ids>] [--contenders=<names>] [--isolate|--no-isolate] [--out=<file>|--no-out]",
  );
  console.error(`Workloads: ${WORKLOADS.map((w) => w.id).join(", ")}; contenders: ${CONTENDERS.join(", ")}`);
  process.exit(unknown.length > 0 ? 2 : 0);
}

const mode = { quick: flag("quick") };
const child = value("child");
if (child !== undefined) {
  await runChild(WORKLOADS, child, (value("contenders")?.split(",") ?? CONTENDERS) as ContenderName[], mode);
} else {
  const only = value("only")?.split(",");
  const badIds = only?.filter((id) => !WORKLOADS.some((w) => w.id === id)) ?? [];
  const contenders = value("contenders")?.split(",") as ContenderName[] | undefined;
  const badNames = contenders?.filter((c) => !CONTENDERS.includes(c)) ?? [];
  if (badIds.length > 0 || badNames.length > 0) {
    console.error(`Unknown workload(s) or contender(s): ${[...badIds, ...badNames].join(", ")}`);
    console.error(`Workloads: ${WORKLOADS.map((w) => w.id).join(", ")}; contenders: ${CONTENDERS.join(", ")}`);
    process.exit(2);
  }
  const report = await runBench(WORKLOADS, {
    mode,
    ...(only === undefined ? {} : { only }),
    ...(contenders === undefined ? {} : { contenders }),
    ...(flag("isolate") ? { isolate: true } : flag("no-isolate") ? { isolate: false } : {}),
    ...(flag("no-out") ? { out: null } : value("out") === undefined ? {} : { out: value("out")! }),
  });
  console.log(formatTable(report));
  if (report.rows.some((r) => r.status === "mismatch" || r.status === "error")) process.exitCode = 1;
}
