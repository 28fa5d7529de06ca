/**
 * Custom receivers, with Spark's contract (`Receiver[T]`): a receiver runs beside the
 * scheduler from `ssc.start()` to `ssc.stop()`, connects to some source in `onStart`,
 * hands records over with `store`, and releases what it holds in `onStop`. When it
 * fails it calls `restart`, and the stream stops it, waits, and starts it again.
 *
 * Records wait in a bounded buffer until a batch takes them. With backpressure (on by
 * default, Spark's `spark.streaming.backpressure.enabled`), a PID estimator sets, after
 * each completed batch, how many records per second the next batch takes; `maxRate`
 * (Spark's `spark.streaming.receiver.maxRate`) caps it. The buffer admits about two
 * batches at that rate (at most `maxBufferedRecords`); when it is full, `store` tells the
 * producer to pause (the socket receiver stops reading its socket) until a batch makes
 * room. Records are delayed, never dropped.
 *
 * Code that a receiver runs later (timers, loops) should run through `every`, `run` and
 * `sleep`: an error there is reported and the receiver restarted, as Spark's receiver
 * supervisor does. A library cannot catch what a bare `setTimeout`/`setInterval` callback
 * throws (on Node and on Deno it ends the process): wrap such a callback's body in
 * `try { … } catch (error) { this.restart("…", error) }`, or use `every`.
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
   * 1000; without `maxRate`, 1,000,000). Under backpressure the buffer admits less once
   * a rate is set: 2 × what one batch takes at that rate, at least 1000.
   */
  readonly maxBufferedRecords?: number;
  /**
   * Let the rate follow what batches manage to process (Spark's
   * `spark.streaming.backpressure.enabled`); default `true`, or the context's `backpressure`.
   */
  readonly backpressure?: boolean;
  /**
   * The rate, in records per second, before the first estimate (Spark's
   * `spark.streaming.backpressure.initialRate`): the first batches take at most this many
   * per second. Default: the context's `initialRate`, else no limit but `maxRate`.
   */
  readonly initialRate?: number;
  /** The lowest rate backpressure sets, in records per second (Spark's `pid.minRate`); default 100. */
  readonly minRate?: number;
  /** The first wait before a restart (default 100 ms); it doubles on each restart in a row. */
  readonly minRestartDelay?: Duration;
  /** The longest wait before a restart (default 2 s, Spark's `receiverRestartDelay`). */
  readonly maxRestartDelay?: Duration;
  /**
   * Records stored within one block interval make one block, and each block one
   * partition of its batch's RDD (Spark's `spark.streaming.blockInterval`): about
   * batch interval ÷ block interval partitions per batch, which `local[n]`'s worker
   * threads share. Default 200 ms, or the context's `blockInterval`.
   */
  readonly blockInterval?: Duration;
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
  /** True when backpressure sets the rate of this stream's batches. */
  readonly backpressure: boolean;
  /**
   * The records per second the next batch may take: backpressure's latest estimate (or
   * `initialRate` before it), at most `maxRate`; `undefined` for no limit.
   */
  readonly rate: number | undefined;
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
 *   stops the receiver for good (its stream then has empty batches). `store` after the
 *   receiver stopped (once its `onStop` finished) throws.
 * - `every(period, tick)`, `run(task)` and `sleep(duration)` run code later under
 *   supervision, on the context's clock: what they throw is reported and restarts the
 *   receiver; they end when it stops. So does a promise `onStart` returns, if it rejects.
 * - `isStarted()` / `isStopped()`: loops should end once `isStopped()` is true.
 *
 * @example
 * ```ts
 * import { foreachRDD, ManualClock, Milliseconds, pipe, Receiver, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * class Ticks extends Receiver<number> {
 *   onStart(): void {
 *     let n = 0;
 *     this.every(Milliseconds(300), () => void this.store(n++));
 *   }
 *   onStop(): void {}
 * }
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext({ appName: "Ticks", logLevel: "OFF" }), Seconds(1), { clock });
 * const batches: number[][] = [];
 * pipe(ssc.receiverStream(new Ticks()), foreachRDD((rdd) => void batches.push(rdd.collect())));
 * ssc.start();
 * for (let i = 0; i < 3; i++) await clock.advance(Milliseconds(300)); // ticks at 300, 600, 900 ms
 * await clock.advance(Milliseconds(100)); // the batch at 1 s
 * await ssc.stop();
 * assert.deepEqual(batches, [[0, 1, 2]]);
 * ```
 * @category inputs
 * @since 0.1.0
 */
export abstract class Receiver<T> {
  /**
   * Starts receiving. Called by the stream on `ssc.start()` and after each restart's wait.
   * A throw, or a returned promise that rejects, is reported and restarts the receiver.
   */
  abstract onStart(): void | Promise<void>;

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

  /**
   * The supervisor, for `store`: once the receiver stopped for good (and its `onStop`
   * finished), no batch would take its records. During a restart's wait they still go
   * to later batches.
   */
  #receiving(what: string): Supervisor<T> {
    const supervisor = this.#attached(what);
    if (supervisor.stoppedForGood && supervisor.receiverState === "stopped") {
      throw new Error(
        `${supervisor.streamName}: ${what} was called after the receiver stopped, so the records would be lost: stop timers and loops in onStop (or start them with this.every / this.run, which stop by themselves), and check isStopped() before storing`,
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
    const supervisor = this.#receiving("store");
    if (Array.isArray(data)) {
      supervisor.storeMany(data as ReadonlyArray<T>);
      return supervisor.waitForSpace();
    }
    return supervisor.storeOne(data as T);
  }

  /** Hands over one record, even one that is itself an array (a pair, say). Same result as `store(record)`. */
  storeRecord(record: T): boolean {
    return this.#receiving("storeRecord").storeOne(record);
  }

  /** Hands over many records without waiting; returns `false` once the buffer is full. */
  storeRecords(records: Iterable<T>): boolean {
    return this.#receiving("storeRecords").storeMany(records);
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

  /**
   * Calls `tick` every `period` of the context's clock while the receiver runs (a
   * supervised `setInterval`). A throw or rejection in `tick` is reported and restarts
   * the receiver; the ticks end when it stops or restarts. An async `tick` is awaited
   * before the next period starts.
   */
  every(period: Duration, tick: () => void | Promise<void>): void {
    if (!(period instanceof Duration) || period.milliseconds <= 0) {
      throw new TypeError("every's period must be a positive Duration such as Milliseconds(100)");
    }
    if (typeof tick !== "function") throw new TypeError("every needs a function to call each period");
    this.#attached("every").every(period.milliseconds, tick);
  }

  /**
   * Runs `task` (an async loop, say) under supervision: a throw or rejection is reported
   * and restarts the receiver. `signal` aborts when the receiver stops or restarts:
   * loop `while (!signal.aborted)`.
   */
  run(task: (signal: AbortSignal) => void | Promise<void>): void {
    if (typeof task !== "function") throw new TypeError("run needs a function, e.g. this.run(async (signal) => { … })");
    this.#attached("run").run(task);
  }

  /**
   * Waits `duration` on the context's clock: `true` once it passed, `false` as soon as
   * the receiver stops or restarts.
   */
  sleep(duration: Duration): Promise<boolean> {
    if (!(duration instanceof Duration) || duration.milliseconds < 0) {
      throw new TypeError("sleep's duration must be a non-negative Duration such as Milliseconds(100)");
    }
    return this.#attached("sleep").sleep(duration.milliseconds);
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

