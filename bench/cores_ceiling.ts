/**
 * What two threads can give the word count on this machine, outside dstreams (issue 14,
 * point 7): the idiomatic hand loop (`countBatch`) over workload 14's 20 batches of
 * 100,000 lines, on one thread and on two (the main thread counts half of each batch, a
 * worker thread the other half, the main thread merges the counts), with the worker's
 * half
 *
 * - already in the worker (it made the same lines itself: input the worker reads),
 * - structured-cloned to it each batch (as dstreams sends a queue's records),
 * - sent as UTF-8 bytes that each thread decodes and splits (its one-thread baseline then
 *   starts from bytes too, as a socket's or a file's lines do),
 *
 * and, interleaved in the same process, dstreams on local[1] against local[2] with worker
 * threads over the same batches (a queue: its records are copied). The ratios say how
 * far the copy, not the scheduler, caps local[2].
 *
 *   node --import ./bench/loader/register.mjs bench/cores_ceiling.ts [rounds, default 4]
 *
 * Prints each way's median time over the rounds and its ratio to one thread.
 */
import process from "node:process";
import { Buffer } from "node:buffer";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import type { Sink } from "./harness.ts";
import { countBatch } from "./workloads/_common.ts";
import { batchesOf, SEED, timeBatches } from "./workloads/local_cores.ts";

const BATCHES = 20;
const LINES = 100_000;
const HALF = LINES / 2;

type ToWorker =
  | { readonly kind: "own"; readonly batch: number }
  | { readonly kind: "lines"; readonly lines: ReadonlyArray<string> }
  | { readonly kind: "bytes"; readonly bytes: Uint8Array };

/** The lines of `bytes` (`\n` after each), decoded and split as a receiver's would be. */
const linesOfBytes = (bytes: Uint8Array): string[] => {
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8").split("\n");
  lines.pop();
  return lines;
};
const bytesOf = (lines: ReadonlyArray<string>): Uint8Array => new Uint8Array(Buffer.from(`${lines.join("\n")}\n`));

// Both threads make the same batches: the worker's halves are then input it holds itself.
const batches = batchesOf(BATCHES, LINES, SEED + 1);

if (!isMainThread) {
  const port = parentPort!;
  port.on("message", (message: ToWorker) => {
    const lines = message.kind === "own" ? batches[message.batch]!.slice(HALF) : message.kind === "lines" ? message.lines : linesOfBytes(message.bytes);
    port.postMessage([...countBatch(lines)]);
  });
} else {
  const rounds = Number(process.argv[2] ?? 4);
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a positive whole number, got ${process.argv[2]}`);
  const firstHalves = batches.map((batch) => batch.slice(0, HALF));
  const secondHalves = batches.map((batch) => batch.slice(HALF));
  const wholeBytes = batches.map(bytesOf);
  const firstBytes = firstHalves.map(bytesOf);
  const secondBytes = secondHalves.map(bytesOf);

  const worker = new Worker(new URL(import.meta.url), { execArgv: process.execArgv });
  const answer = () => new Promise<ReadonlyArray<readonly [string, number]>>((resolve) => worker.once("message", resolve));
  const merged = (mine: Map<string, number>, theirs: ReadonlyArray<readonly [string, number]>) => {
    for (const [word, n] of theirs) mine.set(word, (mine.get(word) ?? 0) + n);
    return mine;
  };
  /** Every batch's counts on two threads, the worker sent `send(i)`; the main thread counts `mine(i)`. */
  const twoThreads = async (send: (i: number) => ToWorker, mine: (i: number) => ReadonlyArray<string>): Promise<Map<string, number>[]> => {
    const out: Map<string, number>[] = [];
    for (let i = 0; i < BATCHES; i++) {
      const theirs = answer();
      worker.postMessage(send(i));
      const counts = countBatch(mine(i));
      out.push(merged(counts, await theirs));
    }
    return out;
  };
  const timed = async <T>(run: () => T | Promise<T>): Promise<{ readonly ms: number; readonly result: T }> => {
    const start = performance.now();
    const result = await run();
    return { ms: performance.now() - start, result };
  };
  const same = (a: ReadonlyArray<Map<string, number>>, b: ReadonlyArray<Map<string, number>>, what: string) => {
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (x.size !== y.size || [...x].some(([word, n]) => y.get(word) !== n)) throw new Error(`cores_ceiling: ${what} counted batch ${i} differently from one thread`);
    }
  };
  let sunk = 0;
  const sink = Object.assign((result: ReadonlyArray<unknown> | (() => ReadonlyArray<unknown>)) => {
    sunk += (typeof result === "function" ? result() : result).length;
  }, { times: [] }) as Sink<readonly [string, number]>;

  const ways = ["one thread", "two threads, half in the worker", "two threads, half cloned", "one thread, from bytes", "two threads, half sent as bytes", "dstreams local[1]", "dstreams local[2]"] as const;
  const times: Record<string, number[]> = {};
  const record = (way: (typeof ways)[number], ms: number) => (times[way] ??= []).push(ms);
  // One unrecorded round warms both threads' code up.
  for (let r = 0; r <= rounds; r++) {
    const one = await timed(() => batches.map(countBatch));
    const inWorker = await timed(() => twoThreads((batch) => ({ kind: "own", batch }), (i) => firstHalves[i]!));
    const cloned = await timed(() => twoThreads((i) => ({ kind: "lines", lines: secondHalves[i]! }), (i) => firstHalves[i]!));
    const oneBytes = await timed(() => wholeBytes.map((bytes) => countBatch(linesOfBytes(bytes))));
    const twoBytes = await timed(() => twoThreads((i) => ({ kind: "bytes", bytes: secondBytes[i]! }), (i) => linesOfBytes(firstBytes[i]!)));
    same(inWorker.result, one.result, "two threads");
    same(cloned.result, one.result, "two threads (cloned)");
    same(oneBytes.result, one.result, "one thread from bytes");
    same(twoBytes.result, one.result, "two threads from bytes");
    const local1 = await timeBatches("local[1]", batches, sink);
    const local2 = await timeBatches("local[2]", batches, sink);
    if (local2.onWorkers === 0) throw new Error("cores_ceiling: no batch of dstreams' local[2] ran on the workers");
    if (r === 0) continue;
    record("one thread", one.ms);
    record("two threads, half in the worker", inWorker.ms);
    record("two threads, half cloned", cloned.ms);
    record("one thread, from bytes", oneBytes.ms);
    record("two threads, half sent as bytes", twoBytes.ms);
    record("dstreams local[1]", local1.ms);
    record("dstreams local[2]", local2.ms);
  }
  await worker.terminate();

  const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const baseline: Record<string, string> = {
    "two threads, half in the worker": "one thread",
    "two threads, half cloned": "one thread",
    "two threads, half sent as bytes": "one thread, from bytes",
    "dstreams local[2]": "dstreams local[1]",
  };
  console.log(`${BATCHES} batches of ${LINES.toLocaleString("en-US")} lines, median of ${rounds} rounds (after one warm-up round)`);
  for (const way of ways) {
    const ms = median(times[way]!);
    const base = baseline[way];
    const ratio = base === undefined ? "" : `  ${(median(times[base]!) / ms).toFixed(2)} × ${base}`;
    const range = `${Math.min(...times[way]!).toFixed(0)}–${Math.max(...times[way]!).toFixed(0)}`;
    console.log(`${way.padEnd(32)} ${ms.toFixed(0).padStart(6)} ms  (${range})${ratio}`);
  }
  console.log(`(dstreams' sink read ${sunk} records)`);
}
