/**
 * Custom receivers, with Spark's contract (`Receiver[T]`): a receiver runs beside the
 * scheduler from `ssc.start()` to `ssc.stop()`, connects to some source in `onStart`,
 * hands records over with `store`, and releases what it holds in `onStop`. When it
 * fails it calls `restart`, and the stream stops it, waits, and starts it again.
 *
 * Records wait in a bounded buffer until a batch takes them. A batch takes at most
 * `maxRate × batch seconds` records (Spark's `spark.streaming.receiver.maxRate`); when
 * the buffer is full, `store` tells the producer to pause (the socket receiver stops
 * reading its socket) until a batch makes room. Records are delayed, never dropped.
 *
 * @module
 */
import { Duration } from "../time/duration.ts";
import type { DStream } from "../dstream/dstream.ts";
import { supervisorOf, type Supervisor } from "./_supervisor.ts";

/**
 * Options of a receiver's stream (`receiverStream`, `socketTextStream`).
 *
 * @category inputs
 * @since 0.1.0
 */
export interface ReceiverOptions {
  /**
   * The most records per second a batch takes from this receiver (Spark's
   * `spark.streaming.receiver.maxRate`); unlimited by default. Records over the limit
   * wait for later batches.
   */
  readonly maxRate?: number;
  /**
   * How many received records may wait for a batch before `store` asks the producer
   * to pause (default: 2 × the records one batch may take at `maxRate`, at least
   * 1000; without `maxRate`, 1,000,000).
   */
  readonly maxBufferedRecords?: number;
  /** The first wait before a restart (default 100 ms); it doubles on each restart in a row. */
  readonly minRestartDelay?: Duration;
  /** The longest wait before a restart (default 2 s, Spark's `receiverRestartDelay`). */
  readonly maxRestartDelay?: Duration;
}

/** `T`, unless it is itself an array type: then single records go through `storeRecord`. */
type NotArray<T> = T extends ReadonlyArray<unknown> ? never : T;

/**
 * The stream of a receiver (`ssc.receiverStream`, `ssc.socketTextStream`), with what it
 * holds: records stored and not yet taken by a batch, and how many it received.
 *
 * @category inputs
 * @since 0.2.0
 */
export interface ReceiverDStream<T> extends DStream<T> {
  readonly receiver: Receiver<T>;
  /** The rate limit, in records per second, if any. */
  readonly maxRate: number | undefined;
  /** How many records may wait for a batch before `store` asks the producer to pause. */
  readonly maxBufferedRecords: number;
  /** Records stored and not yet taken by a batch. */
  readonly bufferedRecords: number;
  /** The most records the buffer ever held at once. */
  readonly peakBufferedRecords: number;
  /** Every record the receiver stored so far. */
  readonly receivedRecords: number;
}

/**
 * A custom source of records, with Spark's receiver contract. Extend it, implement
 * `onStart` (start reading; must not block: start timers, sockets, async loops) and
 * `onStop` (release everything `onStart` started), and give an instance to
 * `ssc.receiverStream(receiver)`.
 *
 * - `store(record)` hands over one record; it returns `false` once the buffer is full:
 *   pause the source and `await waitForSpace()` before storing more.
 * - `store(records)` hands over many at once and returns a promise that resolves once
 *   the buffer has room again: `await` it to be back-pressured.
 * - `restart(message, error?)` stops the receiver (`onStop`), waits (a back-off that
 *   doubles up to `maxRestartDelay`, reset by each stored record) and starts it again
 *   (`onStart`). A throw from `onStart` restarts it the same way. Both are reported to
 *   listeners (`onReceiverError`) and to the log.
 * - `reportError(message, error?)` reports trouble and keeps running; `stop(message)`
 *   stops the receiver for good (its stream then has empty batches).
 * - `isStarted()` / `isStopped()`: loops should end once `isStopped()` is true.
 *
 * @example
 * ```ts
 * import { count, foreachRDD, ManualClock, Receiver, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * // A receiver that stores what its source pushes (here: the test, through push).
 * class Pushed extends Receiver<string> {
 *   push(line: string): void {
 *     if (this.isStarted() && !this.isStopped()) this.store(line);
 *   }
 *   onStart(): void {}
 *   onStop(): void {}
 * }
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext({ appName: "Pushed" }), Seconds(1), { clock });
 * const receiver = new Pushed();
 * const counts: number[] = [];
 * ssc.receiverStream(receiver, { maxRate: 100 }).pipe(count(), foreachRDD((rdd) => void counts.push(...rdd.collect())));
 * ssc.start();
 * receiver.push("a");
 * receiver.push("b");
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(counts, [2]);
 * assert.ok(receiver.isStopped(), "stopped with the context");
 * ```
 * @category inputs
 * @since 0.1.0
 */
export abstract class Receiver<T> {
  /** Starts receiving. Called by the stream on `ssc.start()` and after each restart's wait. */
  abstract onStart(): void;

  /** Stops receiving and releases what `onStart` took. Called on stop and before each restart. */
  abstract onStop(): void | Promise<void>;

  #attached(what: string): Supervisor<T> {
    const supervisor = supervisorOf(this);
    if (supervisor === undefined || supervisor.receiverState === "initialized") {
      throw new Error(
        `A receiver can ${what} only once its stream has started it: give it to ssc.receiverStream(receiver), start the context, and call ${what} from onStart or later`,
      );
    }
    return supervisor;
  }

  /** The id of the stream this receiver feeds. */
  get streamId(): number {
    const supervisor = supervisorOf(this);
    if (supervisor === undefined) throw new Error("This receiver has no stream yet: give it to ssc.receiverStream(receiver) first");
    return supervisor.streamId;
  }

  /**
   * Hands records over: several at once (resolves once the buffer has room again;
   * await it to slow down a fast source) or one (returns `false` once the buffer is
   * full: pause and `await waitForSpace()`). Records are never dropped.
   */
  store(records: ReadonlyArray<T>): Promise<void>;
  store(record: NotArray<T>): boolean;
  store(data: T | ReadonlyArray<T>): boolean | Promise<void> {
    const supervisor = this.#attached("store");
    if (Array.isArray(data)) {
      supervisor.storeMany(data as ReadonlyArray<T>);
      return supervisor.waitForSpace();
    }
    return supervisor.storeOne(data as T);
  }

  /** Hands over one record, even one that is itself an array (a pair, say). Same result as `store(record)`. */
  storeRecord(record: T): boolean {
    return this.#attached("storeRecord").storeOne(record);
  }

  /** Hands over many records without waiting; returns `false` once the buffer is full. */
  storeRecords(records: Iterable<T>): boolean {
    return this.#attached("storeRecords").storeMany(records);
  }

  /** True while the buffer holds as many records as it may: pause until `waitForSpace()`. */
  isBufferFull(): boolean {
    return supervisorOf(this)?.isBufferFull() ?? false;
  }

  /** Resolves once the buffer has room (at once if it has; also once the stream stops). */
  waitForSpace(): Promise<void> {
    return supervisorOf(this)?.waitForSpace() ?? Promise.resolve();
  }

  /** Reports trouble to listeners (`onReceiverError`) and the log; the receiver keeps running. */
  reportError(message: string, error?: unknown): void {
    this.#attached("reportError").reportError(message, error);
  }

  /**
   * Restarts the receiver, asynchronously: `onStop()`, a wait (`delay`, or the stream's
   * back-off), then `onStart()`. Reported to listeners. Ignored while a restart is
   * already under way or after a stop.
   */
  restart(message: string, error?: unknown, delay?: Duration): void {
    if (delay !== undefined && (!(delay instanceof Duration) || delay.milliseconds < 0)) {
      throw new TypeError("restart's delay must be a non-negative Duration such as Milliseconds(500)");
    }
    this.#attached("restart").restart(message, error, delay?.milliseconds, true);
  }

  /** Stops the receiver for good (`onStop()`); its stream has empty batches from then on. */
  stop(message: string, error?: unknown): void {
    this.#attached("stop").stopByReceiver(message, error);
  }

  /** True while the receiver runs: after `onStart` was called, before a stop or restart. */
  isStarted(): boolean {
    return supervisorOf(this)?.receiverState === "started";
  }

  /** True once the receiver was stopped (for a restart or for good), and before it starts. */
  isStopped(): boolean {
    return supervisorOf(this)?.receiverState !== "started";
  }
}

