/**
 * Spark's output order alone: the cost of laying out one word-count batch's distinct
 * keys as a reduce task would (Java hash codes, each map output sorted by hash, the
 * `AppendOnlyMap` slot order replayed), at 100-, 1,000- and 10,000-line batches of the
 * word-count workload's lines. The rest of a batch is the combine; this is the part a
 * hand loop, which keeps its `Map`'s insertion order, does not pay.
 *
 *   npm run bench:layout [-- <partitions, default 1>]
 *
 * Prints µs per batch for the hash codes alone, the replay alone, and the whole layout.
 */
import process from "node:process";
import { performance } from "node:perf_hooks";
import { lines } from "./workloads/_common.ts";
import { hashLayout } from "../lib/rdd/_partitioning.ts";
import { appendOnlyMapSlotOrder } from "../lib/rdd/_hash.ts";
import { hashCodeOf } from "../lib/rdd/_keys.ts";

const partitions = Number(process.argv[2] ?? 1);

/** Median µs per call of `f` over `inputs`, from 5 rounds of at least 300 ms each. */
const time = <I>(inputs: ReadonlyArray<I>, f: (input: I) => unknown): number => {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    let calls = 0;
    while (performance.now() - start < 300) {
      for (const input of inputs) f(input);
      calls += inputs.length;
    }
    rounds.push(((performance.now() - start) * 1000) / calls);
  }
  return rounds.sort((a, b) => a - b)[2]!;
};

/** The keys' Java hash codes, in a plain loop (as the layout computes them). */
const hashCodes = (keys: ReadonlyArray<string>): Int32Array => {
  const hashes = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) hashes[i] = hashCodeOf(keys[i]);
  return hashes;
};

for (const linesPerBatch of [100, 1_000, 10_000]) {
  const { batches } = lines(Math.max(4, Math.floor(200_000 / linesPerBatch)), linesPerBatch);
  const keySets = batches.map((batch) => [...new Set(batch.flatMap((line) => line.split(" ")))]);
  const hashSets = keySets.map(hashCodes);
  const identity = hashSets.map((hashes) => Int32Array.from(hashes, (_, i) => i));
  const hashing = time(keySets, hashCodes);
  let b = 0;
  const replay = time(hashSets, (hashes) => appendOnlyMapSlotOrder(identity[b++ % identity.length]!.subarray(0, hashes.length), hashes));
  const layout = time(keySets, (keys) => hashLayout(keys.length, (i) => keys[i]!, partitions, "hash", [keys.length]));
  console.log(
    `${linesPerBatch}-line batches (${keySets[0]!.length} keys, ${partitions} partition${partitions === 1 ? "" : "s"}): ` +
      `hash codes ${hashing.toFixed(1)} µs, replay ${replay.toFixed(1)} µs, whole layout ${layout.toFixed(1)} µs`,
  );
}
