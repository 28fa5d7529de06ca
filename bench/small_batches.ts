/**
 * local[2] at 1,000-line batches, where the workers do not pay and the driver runs the
 * batch alone: `local[1]`, a plain `local[2]` context (one pass over both partitions)
 * and `local[2]` from `fromModule` (Spark's map-side combine, one combiner per key and
 * partition, so that a batch gives the same result on the workers or not), interleaved
 * in one process over the local-cores workload's 300 small batches. The gap between the
 * last two is what the per-partition combine costs on one thread.
 *
 *   node --import ./bench/loader/register.mjs bench/small_batches.ts [rounds, default 8]
 *
 * Prints the median µs per batch of each.
 */
import process from "node:process";
import type { Sink } from "./harness.ts";
import { batchesOf, SEED, timeBatches } from "./workloads/local_cores.ts";

const rounds = Number(process.argv[2] ?? 8);
const batches = batchesOf(300, 1_000, SEED + 2);
const ways = [
  { name: "local[1]", master: "local[1]", plain: true },
  { name: "plain local[2]", master: "local[2]", plain: true },
  { name: "fromModule local[2]", master: "local[2]", plain: false },
] as const;
const perBatch: Record<string, number[]> = {};
let sunk = 0;
/** Reads each batch's result (so the layout runs) and counts its records. */
const sink = Object.assign((result: ReadonlyArray<unknown> | (() => ReadonlyArray<unknown>)) => {
  sunk += (typeof result === "function" ? result() : result).length;
}, { times: [] }) as Sink<readonly [string, number]>;
for (let r = 0; r < rounds; r++) {
  for (const way of ways) {
    const { ms } = await timeBatches(way.master, batches, sink, way.plain);
    (perBatch[way.name] ??= []).push((ms * 1000) / batches.length);
  }
}
const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const way of ways) console.log(`${way.name.padEnd(20)} ${median(perBatch[way.name]!).toFixed(0).padStart(5)} µs per 1k-line batch`);
console.log(`(${rounds} rounds of ${batches.length} batches; ${sunk} records out)`);
