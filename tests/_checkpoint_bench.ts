/**
 * Measures a checkpoint of a 1,000,000-key Map<string, number> (the bench state):
 * encoding, writing through the directory store, the longest event-loop stall meanwhile,
 * and reading back. Usage: node --import tsx tests/_checkpoint_bench.ts [keys]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Time } from "../lib/time/duration.ts";
import { directoryCheckpointStore } from "../lib/checkpoint/directory_store.ts";
import { decodeCheckpoint, encodeCheckpoint, restoreState } from "../lib/checkpoint/_format.ts";
import { assertSerializable, v8StateCodec } from "../lib/checkpoint/state_codec.ts";

const keys = Number(process.argv[2] ?? 1_000_000);
const state = new Map<string, number>();
for (let i = 0; i < keys; i++) state.set(`key-${i}`, i);
const codec = v8StateCodec<Map<string, number>>();
const ms = (start: number) => `${(performance.now() - start).toFixed(0)} ms`;

let start = performance.now();
assertSerializable(state, "counts");
console.log(`check (walk every value): ${ms(start)}`);
start = performance.now();
const bytes = codec.encode(state, "counts");
console.log(`check + v8 serialize: ${ms(start)}, ${(bytes.length / 2 ** 20).toFixed(1)} MiB`);

const dir = await mkdtemp(join(tmpdir(), "ckpt-bench-"));
const store = directoryCheckpointStore(dir);
for (let round = 0; round < 3; round++) {
  let longestStall = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longestStall = Math.max(longestStall, now - last);
    last = now;
  }, 1);
  start = performance.now();
  await store.write(new Time(round), encodeCheckpoint({ batchTimeMs: round, graph: { batchIntervalMs: 10_000, windows: [] }, pendingBatchesMs: [] }, [
    { name: "counts", role: "state", kind: "updateStateByKey", version: 1, codec, state },
  ]));
  const written = ms(start);
  clearInterval(ticker);
  console.log(`write (encode + crc + fsync + rename): ${written}; longest event-loop stall ${longestStall.toFixed(0)} ms`);
}
start = performance.now();
const latest = await store.readLatest(decodeCheckpoint);
const restored = restoreState(latest!.value, "counts", codec);
console.log(`read + verify + decode: ${ms(start)} (${restored.size} keys)`);
await rm(dir, { recursive: true });
