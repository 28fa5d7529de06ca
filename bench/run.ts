/**
 * `npm run bench` (full), `npm run bench:quick` (tiny inputs, same code paths).
 *
 *   node --expose-gc --import ./bench/loader/register.mjs bench/run.ts [--quick] [--only=wordcount,grep]
 *     [--contenders=dstreams,RxJS] [--isolate | --no-isolate] [--out=path | --no-out] [--long]
 *
 * After the table, the latency scenario (bench/latency.ts: word count from a loopback
 * socket on the system clock at 100 ms batches, p50/p99 at 50,000 lines/s and the highest
 * sustained rate; about 40 s, `--quick` a few), then the overload scenario
 * (bench/overload.ts): 60 s of real time at twice the sustainable rate (`--long`: 10
 * minutes; `--quick`: 3 s), then what backpressure costs at normal load.
 *
 * Prints the table on standard output, progress on standard error, and writes
 * bench/results.json. `--child=<workload>` is the harness's own child mode.
 */
import process from "node:process";
import { CONTENDERS, type ContenderName, formatTable, runBench, runChild } from "./harness.ts";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { SCENARIOS, WORKLOADS } from "./workloads/index.ts";
import { backpressureCost, formatOverload, runOverload } from "./overload.ts";
import { formatLatency, runLatency } from "./latency.ts";
import { spawnSync } from "node:child_process";
import { BROKER_IDS, brokerWorkloads, formatBrokerReport, runBrokerScenarios } from "./workloads/_broker_scenario.ts";

const args = process.argv.slice(2);
const value = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const flag = (name: string): boolean => args.includes(`--${name}`);

const known = ["quick", "long", "isolate", "no-isolate", "no-out", "only", "contenders", "out", "child", "help"];
const unknown = args.filter((a) => !known.includes(a.replace(/^--/, "").replace(/=.*$/, "")));
if (unknown.length > 0 || flag("help")) {
  if (unknown.length > 0) console.error(`Unknown argument(s): ${unknown.join(" ")}`);
  console.error(
    "Usage: npm run bench -- [--quick] [--long] [--only=<ids>] [--contenders=<names>] [--isolate|--no-isolate] [--out=<file>|--no-out]",
  );
  console.error(`Workloads: ${[...WORKLOADS.map((w) => w.id), ...SCENARIOS].join(", ")}; contenders: ${CONTENDERS.join(", ")}`);
  process.exit(unknown.length > 0 ? 2 : 0);
}

const mode = { quick: flag("quick") };
const child = value("child");
if (child !== undefined) {
  const broker = BROKER_IDS.includes(child);
  await runChild([...WORKLOADS, ...(broker ? await brokerWorkloads() : [])], child, (value("contenders")?.split(",") ?? CONTENDERS) as ContenderName[], mode);
  // Broker clients may keep sockets (and their reconnect timers) open after their servers stopped.
  if (broker) process.exit(0);
} else {
  const only = value("only")?.split(",");
  const badIds = only?.filter((id) => !WORKLOADS.some((w) => w.id === id) && !SCENARIOS.includes(id)) ?? [];
  const contenders = value("contenders")?.split(",") as ContenderName[] | undefined;
  const badNames = contenders?.filter((c) => !CONTENDERS.includes(c)) ?? [];
  if (badIds.length > 0 || badNames.length > 0) {
    console.error(`Unknown workload(s) or contender(s): ${[...badIds, ...badNames].join(", ")}`);
    console.error(`Workloads: ${WORKLOADS.map((w) => w.id).join(", ")}; contenders: ${CONTENDERS.join(", ")}`);
    process.exit(2);
  }
  const raced = only?.filter((id) => !SCENARIOS.includes(id));
  const report = raced !== undefined && raced.length === 0 ? undefined : await runBench(WORKLOADS, {
    mode,
    ...(raced === undefined ? {} : { only: raced }),
    ...(contenders === undefined ? {} : { contenders }),
    ...(flag("isolate") ? { isolate: true } : flag("no-isolate") ? { isolate: false } : {}),
    ...(flag("no-out") ? { out: null } : value("out") === undefined ? {} : { out: value("out")! }),
  });
  if (report !== undefined) {
    console.log(formatTable(report));
    if (report.rows.some((r) => r.status === "mismatch" || r.status === "error")) process.exitCode = 1;
  }
  if (only === undefined || only.includes("latency")) {
    const latency = await runLatency(mode.quick, (line) => console.error(line));
    console.log(`\n${formatLatency(latency)}`);
    if (latency.runs.some((run) => run.at50k.processed !== run.at50k.sent)) process.exitCode = 1;
    if (!mode.quick && !flag("no-out")) {
      const file = new URL("./results-latency.json", import.meta.url);
      writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, loadAverage: loadavg(), latency }, null, 2)}\n`);
      console.error(`[bench] latency figures written to ${file.pathname}`);
    }
  }
  if (only === undefined || only.includes("overload")) {
    const log = (line: string) => console.error(line);
    const durationMs = mode.quick ? 3_000 : flag("long") ? 600_000 : 60_000;
    const overload = await runOverload({ durationMs, batchMs: 250, sampleEveryMs: mode.quick ? 500 : flag("long") ? 30_000 : 5_000 }, log);
    const cost = mode.quick ? await backpressureCost(200, 3, 1) : await backpressureCost(10_000, 30, 5);
    console.log(`\n${formatOverload(overload, cost)}`);
    if (overload.sent !== overload.processed) process.exitCode = 1;
    if (!mode.quick && !flag("no-out")) {
      const file = new URL(flag("long") ? "./results-overload-long.json" : "./results-overload.json", import.meta.url);
      writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, overload, cost }, null, 2)}\n`);
      log(`[bench] overload figures written to ${file.pathname}`);
    }
  }
  // What checkpoints cost (bench/checkpoint.ts): 80 s on the system clock, so not in --quick.
  if ((only === undefined && !mode.quick) || only?.includes("checkpoint")) {
    const child = spawnSync(process.execPath, ["--expose-gc", "--import", "./bench/loader/register.mjs", "bench/checkpoint.ts"], { stdio: ["ignore", "inherit", "inherit"] });
    if (child.status !== 0) process.exitCode = 1;
  }
  // PySpark's MLlib on the ML rows' input (bench/mllib.ts; creates bench/.venv with pip on first use): a JVM to start, so not in --quick unless named.
  if ((only === undefined && !mode.quick) || only?.includes("mllib")) {
    const child = spawnSync(process.execPath, ["--expose-gc", "--import", "./bench/loader/register.mjs", "bench/mllib.ts", ...(mode.quick ? ["--quick"] : [])], { stdio: ["ignore", "inherit", "inherit"] });
    if (child.status !== 0) process.exitCode = 1;
  }
  // One vs two processes in one Kafka consumer group (scale-out mode) on a CPU-bound pipeline: a broker to start, so not in --quick unless named.
  if ((only === undefined && !mode.quick) || only?.includes("kafka-group")) {
    const { runKafkaGroup, formatKafkaGroup } = await import("./workloads/kafka_group.ts");
    const { kafkaBroker } = await import("./workloads/kafka_throughput.ts");
    try {
      const broker = await kafkaBroker();
      try {
        console.log(`\n${formatKafkaGroup(await runKafkaGroup({ brokers: broker.brokers, log: (line) => console.error(line) }))}`);
      } finally {
        await broker.stop();
      }
    } catch (error) {
      console.log(`\nKafka scale-out (1 vs 2 processes): NOT MEASURED: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  }
  // Connectors and Kafka against their clients' raw rates: servers to start, so not in --quick unless named.
  const brokerIds = only === undefined ? (mode.quick ? [] : ["connectors", "kafka"]) : only.filter((id) => BROKER_IDS.includes(id));
  if (brokerIds.length > 0) {
    const brokers = await runBrokerScenarios(brokerIds, mode, (line) => console.error(line));
    console.log(`\n${formatBrokerReport(brokers)}`);
    // As in the table: a row that is not a measurement (a server that did not start, results that differ) fails the run.
    if (brokers.rows.some((r) => r.status === "mismatch" || r.status === "error")) process.exitCode = 1;
    if (!flag("no-out")) {
      const file = new URL(mode.quick ? "./results-connectors-quick.json" : "./results-connectors.json", import.meta.url);
      writeFileSync(file, `${JSON.stringify(brokers, null, 2)}\n`);
      console.error(`[bench] connector and Kafka figures written to ${file.pathname}`);
      // A full run's table file gets the same rows, beside the others.
      const table = new URL("./results.json", import.meta.url);
      if (report !== undefined && report.mode === "full" && value("out") === undefined) {
        writeFileSync(table, `${JSON.stringify({ ...report, rows: [...report.rows, ...brokers.rows], brokerLoadAverage: brokers.loadAverage }, null, 2)}\n`);
      }
    }
  }
}
