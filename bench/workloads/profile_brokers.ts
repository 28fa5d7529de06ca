/**
 * Profiles one contender of a broker workload (bench/workloads/_broker_scenario.ts) over its
 * timed runs only: servers, filling the broker and a warm-up run stay out of the profile.
 *
 *   DSTREAMS_KAFKA_BROKERS=127.0.0.1:39092 node --import ./bench/loader/register.mjs \
 *     bench/workloads/profile_brokers.ts kafka-100b [dstreams|hand loop|tuned loop] [runs=3] [out=…]
 *   node --import ./bench/loader/register.mjs bench/profile_summary.ts bench/profiles/kafka-100b-dstreams.cpuprofile
 *
 * The profile is V8's (the one behind `node --cpu-prof`), driven through node:inspector.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { dirname } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { ContenderRun, Sink } from "../harness.ts";
import { brokerWorkloads } from "./_broker_scenario.ts";

const [id = "connectors-nats", contender = "dstreams", runsArg = "3", outArg] = process.argv.slice(2);
const workload = (await brokerWorkloads()).find((w) => w.id === id);
if (workload === undefined) {
  console.error(`Unknown broker workload ${id}; ids: ${(await brokerWorkloads()).map((w) => w.id).join(", ")}`);
  process.exit(2);
}
const impl = (workload.contenders as Record<string, ContenderRun<unknown, unknown> | { unavailable: string } | undefined>)[contender];
if (impl === undefined || "unavailable" in impl) {
  console.error(`${id} has no runnable contender "${contender}"`);
  process.exit(2);
}
const out = outArg ?? fileURLToPath(new URL(`../profiles/${id}-${contender.replace(/ /g, "-")}.cpuprofile`, import.meta.url));
const sink = Object.assign((_: unknown) => {}, { times: [] as number[] }) as unknown as Sink<unknown>;

const input = await workload.prepare({ quick: false });
try {
  await impl(input, sink);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  const times: number[] = [];
  for (let i = 0; i < Number(runsArg); i++) {
    const t0 = performance.now();
    const r = await impl(input, sink);
    times.push((r as { elapsedMs?: number } | undefined)?.elapsedMs ?? performance.now() - t0);
  }
  const { profile } = await session.post("Profiler.stop");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(profile));
  console.error(`${id} / ${contender}: ${times.map((t) => `${t.toFixed(0)} ms`).join(", ")} for ${workload.records(input)} records each; profile in ${out}`);
} finally {
  await workload.dispose?.(input);
}
process.exit(0);
