/**
 * local[n] on two cores, reading files (issue 14, point 7): `textFileStream` → flatMap →
 * map → reduceByKey at 100,000-line batches, `local[1]` against `local[2]` with worker
 * threads (`StreamingContext.fromModule` on this module). Each batch finds four new files
 * of 25,000 lines in the directory (a log shipper's rolled files), so it has four
 * partitions, as Spark's file stream gives one per file. The files are written before
 * the run into a staging directory and renamed into the watched one just before their
 * batch (as Spark advises), dated inside its interval, so the ManualClock selects the
 * same files per batch whichever contender runs, and the results compare equal; every
 * file is in the page cache after the first run.
 *
 * Timed: the batches (not the renames), i.e. listing the directory, reading the files
 * and the word count.
 * As in `local-cores`, the "hand loop" row is local[1] and the "dstreams" row local[2],
 * so "vs hand loop" is local[2] ÷ local[1].
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type FileDStream, ManualClock, Seconds, SparkContext, StreamingContext } from "../../mod.ts";
import type { Sink, Workload } from "../harness.ts";
import { fingerprint, hashString, mix } from "../_data.ts";
import { batchesOf, countBatchesOnWorkers, countWords, SEED, type WordCount } from "./local_cores.ts";

interface FilesCoresInput {
  readonly batches: number;
  readonly linesPerBatch: number;
  readonly fingerprint: string;
  /** The watched directory. */
  readonly dir: string;
  /** Where the files wait until their batch: renamed into `dir` just before it (untimed), and back after the run. */
  readonly staging: string;
  /** Per batch, its files' names. */
  readonly names: ReadonlyArray<ReadonlyArray<string>>;
}

// ---------------------------------------------------------------------------------------
// the job module (imported by the worker threads too: keep it free of side effects)
// ---------------------------------------------------------------------------------------

const BATCH = Seconds(1);
const FILES_PER_BATCH = 4;

/** What the driver's `createContext` call built. */
let built: { readonly clock: ManualClock; readonly lines: FileDStream<string> } | undefined;
/** Where the driver's output hands each batch (never called on a worker). */
let currentSink: Sink<WordCount> | undefined;

export const createContext = (master: string, dir: string): StreamingContext => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "bench-local-cores-files", master }), BATCH, { clock });
  const lines = ssc.textFileStream(dir);
  countWords(lines, () => currentSink!);
  built = { clock, lines };
  return ssc;
};

/** Runs `input.batches` batches through a fresh context on `master`; returns the time of the batches. */
const timeRun = async (master: string, input: FilesCoresInput, sink: Sink<WordCount>) => {
  const ssc = master === "local[1]"
    ? createContext(master, input.dir)
    : await StreamingContext.fromModule(new URL(import.meta.url), "createContext", { args: [master, input.dir] });
  const onWorkers = countBatchesOnWorkers(ssc);
  const { clock } = built!;
  currentSink = sink;
  let failure: unknown;
  const watching = ssc.awaitTermination().catch((error: unknown) => void (failure = error));
  ssc.start();
  let elapsed = 0;
  try {
    for (let b = 0; b < input.batches && failure === undefined; b++) {
      // Moved in as Spark advises (a rename), dated inside the batch's interval (b s, (b + 1) s] of the ManualClock.
      const seconds = (b * BATCH.milliseconds + BATCH.milliseconds / 2) / 1000;
      for (const name of input.names[b]!) {
        const path = join(input.dir, name);
        renameSync(join(input.staging, name), path);
        utimesSync(path, seconds, seconds);
      }
      const start = performance.now();
      await clock.advance(BATCH);
      elapsed += performance.now() - start;
    }
  } finally {
    for (const name of readdirSync(input.dir)) renameSync(join(input.dir, name), join(input.staging, name));
  }
  await ssc.stop();
  await watching;
  if (failure !== undefined) throw failure;
  return { elapsedMs: elapsed, extra: { workerBatches: onWorkers() } };
};

export const localCoresFiles: Workload<FilesCoresInput, WordCount> = {
  id: "local-cores-files",
  title: "14c. local[2] vs local[1], files",
  unit: "lines",
  runs: 5,
  prepare: (mode) => {
    const batches = mode.quick ? 2 : 20;
    const linesPerBatch = mode.quick ? 20_000 : 100_000;
    const lines = batchesOf(batches, linesPerBatch, SEED + 4);
    const dir = mkdtempSync(join(tmpdir(), "dstreams-bench-"));
    const watched = join(dir, "in");
    const staging = join(dir, "staging");
    mkdirSync(watched);
    mkdirSync(staging);
    const perFile = linesPerBatch / FILES_PER_BATCH;
    const names = lines.map((batch, b) =>
      Array.from({ length: FILES_PER_BATCH }, (_, f) => {
        const name = `part-${String(b).padStart(4, "0")}-${f}.txt`;
        writeFileSync(join(staging, name), `${batch.slice(f * perFile, (f + 1) * perFile).join("\n")}\n`);
        return name;
      })
    );
    return { batches, linesPerBatch, fingerprint: fingerprint(lines), dir: watched, staging, names };
  },
  dispose: (input) => rmSync(dirname(input.dir), { recursive: true, force: true }),
  records: (input) => input.batches * input.linesPerBatch,
  fingerprint: (input) => input.fingerprint,
  digest: (r) => mix(hashString(r[0]), r[1]),
  light: (r) => r[1],
  notes: () => [
    `local-cores-files: the "hand loop" row is dstreams on local[1] and the "dstreams" row local[2] with worker threads, both reading four new 25,000-line files per 1 s batch with textFileStream; workerBatches: how many ran on the workers`,
  ],
  contenders: {
    "hand loop": (input, sink) => timeRun("local[1]", input, sink),
    dstreams: (input, sink) => timeRun("local[2]", input, sink),
    RxJS: { unavailable: "not measured: local[2] against local[1] is a race of dstreams with itself" },
    Effect: { unavailable: "not measured: local[2] against local[1] is a race of dstreams with itself" },
  },
};
