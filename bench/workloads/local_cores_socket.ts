/**
 * local[n] on two cores, on the seed's program (issue 14, point 7): `socketTextStream` →
 * flatMap → map → reduceByKey at 100,000-line batches, `local[1]` against `local[2]`
 * with worker threads (`StreamingContext.fromModule` on this module). The lines come from
 * a paced feeder process (bench/feeder.ts) over loopback TCP, as `nc -lk` would send
 * them: the bench asks it for each block's lines, waits until the receiver has stored
 * them, then moves the ManualClock one block interval (250 ms: four blocks, so four
 * partitions, per 1-second batch). Every batch so holds the same 100,000 lines in the
 * same four blocks whichever contender runs, and the results compare equal.
 *
 * A socket batch's blocks hold each read's lines as one text (the receiver splits
 * nothing); a worker thread is sent its blocks' texts and splits them itself, so the
 * driver copies no line to another thread. Timed: from asking for a batch's first block
 * to the end of the batch, i.e. receiving (on the driver thread with either master) and
 * the batch; the figure `msBatches` is the batches alone. As in `local-cores`, the "hand
 * loop" row is local[1] and the "dstreams" row local[2], so "vs hand loop" is
 * local[2] ÷ local[1].
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock, Milliseconds, Seconds, type SocketTextDStream, SparkContext, StreamingContext } from "../../mod.ts";
import { type PacedFeederProcess, startPacedFeederProcess } from "../feeder.ts";
import type { Sink, Workload } from "../harness.ts";
import { fingerprint, hashString, mix } from "../_data.ts";
import { batchesOf, countBatchesOnWorkers, countWords, SEED, type WordCount } from "./local_cores.ts";

interface SocketCoresInput {
  readonly batches: number;
  readonly linesPerBatch: number;
  readonly fingerprint: string;
  readonly feeder: PacedFeederProcess;
  readonly dir: string;
}

// ---------------------------------------------------------------------------------------
// the job module (imported by the worker threads too: keep it free of side effects)
// ---------------------------------------------------------------------------------------

const BATCH = Seconds(1);
const BLOCK = Milliseconds(250);
const BLOCKS_PER_BATCH = BATCH.milliseconds / BLOCK.milliseconds;

/** What the driver's `createContext` call built. */
let built: { readonly clock: ManualClock; readonly lines: SocketTextDStream } | undefined;
/** Where the driver's output hands each batch (never called on a worker). */
let currentSink: Sink<WordCount> | undefined;

export const createContext = (master: string, port: number): StreamingContext => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "bench-local-cores-socket", master }), BATCH, { clock });
  const lines = ssc.socketTextStream("127.0.0.1", port, { blockInterval: BLOCK });
  countWords(lines, () => currentSink!);
  built = { clock, lines };
  return ssc;
};

/** Gives up on a block the receiver has not stored after this long. */
const DEADLINE_MS = 60_000;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `input.batches` batches through a fresh context on `master`; returns the time of the whole run and of the batches alone. */
const timeRun = async (master: string, input: SocketCoresInput, sink: Sink<WordCount>) => {
  const ssc = master === "local[1]"
    ? createContext(master, input.feeder.port)
    : await StreamingContext.fromModule(new URL(import.meta.url), "createContext", { args: [master, input.feeder.port] });
  const onWorkers = countBatchesOnWorkers(ssc);
  const { clock, lines } = built!;
  currentSink = sink;
  let failure: unknown;
  const watching = ssc.awaitTermination().catch((error: unknown) => void (failure = error));
  const connected = input.feeder.connected(input.feeder.connections + 1);
  ssc.start();
  await connected;
  const perBlock = input.linesPerBatch / BLOCKS_PER_BATCH;
  let batchesMs = 0;
  const start = performance.now();
  for (let b = 0; b < input.batches && failure === undefined; b++) {
    for (let k = 0; k < BLOCKS_PER_BATCH && failure === undefined; k++) {
      const target = lines.receivedRecords + perBlock;
      input.feeder.send(perBlock);
      const asked = performance.now();
      while (lines.receivedRecords < target && failure === undefined) {
        await nextTurn();
        if (performance.now() - asked > DEADLINE_MS) failure = new Error(`local-cores-socket: the receiver stored ${lines.receivedRecords} of ${target} lines after ${DEADLINE_MS / 1000} s`);
      }
      const batchStart = performance.now();
      await clock.advance(BLOCK);
      // The last block's advance runs the batch.
      if (k === BLOCKS_PER_BATCH - 1) batchesMs += performance.now() - batchStart;
    }
  }
  const elapsed = performance.now() - start;
  await ssc.stop();
  await watching;
  if (failure !== undefined) throw failure;
  return { elapsedMs: elapsed, extra: { msBatches: batchesMs, workerBatches: onWorkers() } };
};

export const localCoresSocket: Workload<SocketCoresInput, WordCount> = {
  id: "local-cores-socket",
  title: "14b. local[2] vs local[1], socket",
  unit: "lines",
  runs: 5,
  prepare: async (mode) => {
    const batches = mode.quick ? 2 : 20;
    const linesPerBatch = mode.quick ? 20_000 : 100_000;
    const lines = batchesOf(batches, linesPerBatch, SEED + 3);
    const text = `${lines.map((batch) => batch.join("\n")).join("\n")}\n`;
    const dir = mkdtempSync(join(tmpdir(), "dstreams-bench-"));
    const file = join(dir, "payload.txt");
    writeFileSync(file, text);
    const feeder = await startPacedFeederProcess(file);
    return { batches, linesPerBatch, fingerprint: fingerprint(lines), feeder, dir };
  },
  dispose: async (input) => {
    await input.feeder.close();
    rmSync(input.dir, { recursive: true, force: true });
  },
  records: (input) => input.batches * input.linesPerBatch,
  fingerprint: (input) => input.fingerprint,
  digest: (r) => mix(hashString(r[0]), r[1]),
  light: (r) => r[1],
  notes: () => [
    `local-cores-socket: the "hand loop" row is dstreams on local[1] and the "dstreams" row local[2] with worker threads, both reading a loopback socket (four 250 ms blocks per 1 s batch); time = receiving + the batches; msBatches: the batches alone; workerBatches: how many ran on the workers`,
  ],
  contenders: {
    "hand loop": (input, sink) => timeRun("local[1]", input, sink),
    dstreams: (input, sink) => timeRun("local[2]", input, sink),
    RxJS: { unavailable: "not measured: local[2] against local[1] is a race of dstreams with itself" },
    Effect: { unavailable: "not measured: local[2] against local[1] is a race of dstreams with itself" },
  },
};
