/**
 * 6. Socket ingest: lines per second from a loopback TCP feeder (a separate process
 * that sends pre-generated lines as fast as the socket takes them) through
 * `socketTextStream` to a count.
 *
 * End to end means: from the moment the consumer starts connecting to the moment the
 * last line has been counted by an output (dstreams) or by the pipeline's end (the
 * others: on the connection's end). dstreams runs under a ManualClock that is advanced
 * one batch each time the event loop has turned (after `setImmediate`), so each batch
 * holds what arrived meanwhile and no time is spent waiting for a batch interval: the
 * figure is what the receiver, the batching and the pipeline can sustain, not a
 * property of the chosen interval.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Stream } from "effect";
import { count as rxCount, fromEvent, mergeMap, Observable, reduce as rxReduce, scan, tap } from "rxjs";
import { count, foreachRDD, ManualClock, pipe, Seconds, SparkContext, StreamingContext } from "../../mod.ts";
import { lineBatches, mix } from "../_data.ts";
import { runEffect, runRx } from "../_drivers.ts";
import { type FeederProcess, startFeederProcess } from "../feeder.ts";
import type { Workload } from "../harness.ts";
import { size, theVocabulary, WORDS_PER_LINE } from "./_common.ts";

interface SocketInput {
  readonly lines: number;
  readonly bytes: number;
  readonly fingerprint: string;
  readonly feeder: FeederProcess;
  readonly dir: string;
}

/** Gives up on a run that has not counted every line after this long. */
const DEADLINE_MS = 120_000;

const connect = (port: number): Socket => createConnection({ host: "127.0.0.1", port });

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** A timer's turn: the event loop waits for input (or the timer) without using the CPU. */
const idleTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export const socketIngest: Workload<SocketInput, number> = {
  id: "socket",
  title: "6. socket ingest",
  unit: "lines",
  runs: 5,
  prepare: async (mode) => {
    const n = size(mode, 1_000_000, 2_000);
    const [lines] = lineBatches({ batches: 1, linesPerBatch: n, wordsPerLine: WORDS_PER_LINE, vocabulary: theVocabulary(), seed: 606 });
    const text = `${lines!.join("\n")}\n`;
    const dir = mkdtempSync(join(tmpdir(), "dstreams-bench-"));
    const file = join(dir, "payload.txt");
    writeFileSync(file, text);
    const feeder = await startFeederProcess(file);
    return { lines: n, bytes: Buffer.byteLength(text), fingerprint: `${n} lines, ${Buffer.byteLength(text)} bytes`, feeder, dir };
  },
  dispose: async (input) => {
    await input.feeder.close();
    rmSync(input.dir, { recursive: true, force: true });
  },
  records: (input) => input.lines,
  fingerprint: (input) => input.fingerprint,
  digest: (n) => mix(n, 0x50c),
  light: (n) => n,
  contenders: {
    "hand loop": ({ feeder }, sink) =>
      new Promise((resolve, reject) => {
        const start = performance.now();
        const socket = connect(feeder.port);
        const decoder = new TextDecoder();
        let rest = "";
        let lines = 0;
        socket.on("data", (chunk: Buffer) => {
          const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n");
          rest = parts.pop()!;
          lines += parts.length;
        });
        socket.on("error", reject);
        socket.on("end", () => {
          const elapsedMs = performance.now() - start;
          if (rest !== "") lines++;
          sink([lines]);
          resolve({ elapsedMs });
        });
      }),
    // The limit: count newline bytes in each chunk, never decoding text nor making line strings.
    "tuned loop": ({ feeder }, sink) =>
      new Promise((resolve, reject) => {
        const start = performance.now();
        const socket = connect(feeder.port);
        let lines = 0;
        let last = 10;
        socket.on("data", (chunk: Buffer) => {
          for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
          if (chunk.length > 0) last = chunk[chunk.length - 1]!;
        });
        socket.on("error", reject);
        socket.on("end", () => {
          const elapsedMs = performance.now() - start;
          if (last !== 10) lines++;
          sink([lines]);
          resolve({ elapsedMs });
        });
      }),
    dstreams: async ({ feeder, lines }, sink) => {
      const clock = new ManualClock();
      const ssc = new StreamingContext(new SparkContext({ appName: "bench" }), Seconds(1), { clock });
      let counted = 0;
      pipe(
        ssc.socketTextStream("127.0.0.1", feeder.port),
        count(),
        foreachRDD((rdd) => {
          counted += rdd.collect()[0] ?? 0;
        }),
      );
      let failure: unknown;
      const watching = ssc.awaitTermination().catch((error: unknown) => (failure = error));
      const start = performance.now();
      ssc.start();
      let lastBatchEmpty = true;
      while (counted < lines && failure === undefined) {
        await (lastBatchEmpty ? idleTurn() : nextTurn());
        const before = counted;
        await clock.advance(Seconds(1));
        lastBatchEmpty = counted === before;
        if (performance.now() - start > DEADLINE_MS) {
          failure = new Error(`socket ingest: only ${counted} of ${lines} lines counted after ${DEADLINE_MS / 1000} s`);
        }
      }
      const elapsedMs = performance.now() - start;
      await ssc.stop();
      await watching;
      if (failure !== undefined) throw failure;
      sink([counted]);
      return { elapsedMs };
    },
    RxJS: async ({ feeder }, sink) => {
      const start = performance.now();
      let total = 0;
      const socket = connect(feeder.port);
      const decoder = new TextDecoder();
      const chunks = new Observable<Buffer>((subscriber) => {
        const data = fromEvent(socket, "data", (chunk: unknown) => chunk as Buffer).subscribe(subscriber);
        socket.once("end", () => subscriber.complete());
        socket.once("error", (error) => subscriber.error(error));
        return data;
      });
      await runRx(chunks.pipe(
        // Lines from chunks: carry the unfinished last line over to the next chunk.
        scan(
          (acc: { rest: string; lines: string[] }, chunk: Buffer) => {
            const parts = (acc.rest + decoder.decode(chunk, { stream: true })).split("\n");
            const rest = parts.pop()!;
            return { rest, lines: parts };
          },
          { rest: "", lines: [] },
        ),
        // As its experts write it: a number per chunk, summed (no operator per line).
        // (A last line without "\n" would not be counted; the feeder ends every line.)
        rxReduce((n: number, acc: { lines: string[] }) => n + acc.lines.length, 0),
        tap((n) => (total = n)),
      ));
      const elapsedMs = performance.now() - start;
      sink([total]);
      return { elapsedMs };
    },
    Effect: async ({ feeder }, sink) => {
      const start = performance.now();
      const socket = connect(feeder.port);
      const total = await runEffect(Stream.fromAsyncIterable(socket as AsyncIterable<Uint8Array>, (e) => e).pipe(
        Stream.decodeText(),
        Stream.splitLines,
        Stream.runCount,
      ));
      const elapsedMs = performance.now() - start;
      sink([total]);
      return { elapsedMs };
    },
    // The earlier peer: one operator per line.
    "RxJS naive": async ({ feeder }, sink) => {
      const start = performance.now();
      let total = 0;
      const socket = connect(feeder.port);
      const decoder = new TextDecoder();
      const chunks = new Observable<Buffer>((subscriber) => {
        const data = fromEvent(socket, "data", (chunk: unknown) => chunk as Buffer).subscribe(subscriber);
        socket.once("end", () => subscriber.complete());
        socket.once("error", (error) => subscriber.error(error));
        return data;
      });
      await runRx(chunks.pipe(
        // Lines from chunks: carry the unfinished last line over to the next chunk.
        scan(
          (acc: { rest: string; lines: string[] }, chunk: Buffer) => {
            const parts = (acc.rest + decoder.decode(chunk, { stream: true })).split("\n");
            const rest = parts.pop()!;
            return { rest, lines: parts };
          },
          { rest: "", lines: [] },
        ),
        mergeMap((acc) => acc.lines),
        // (A last line without "\n" would not be counted; the feeder ends every line.)
        rxCount(),
        tap((n) => (total = n)),
      ));
      const elapsedMs = performance.now() - start;
      sink([total]);
      return { elapsedMs };
    },
  },
};
