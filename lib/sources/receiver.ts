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
import { RDD } from "../rdd/rdd.ts";
import { Duration, type Time } from "../time/duration.ts";
import { InputDStream } from "../dstream/input.ts";
import type { StreamingGraph } from "../dstream/graph.ts";
import { checkMaxRate, RateLimiter } from "./rate_limiter.ts";
import { describeError } from "../_describe.ts";

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

/** The default buffer bound when no rate is set. */
const DEFAULT_MAX_BUFFERED = 1_000_000;

/** `T`, unless it is itself an array type: then single records go through `storeRecord`. */
type NotArray<T> = T extends ReadonlyArray<unknown> ? never : T;

/** What a receiver can ask of the stream it runs in (the supervisor, in Spark's terms). */
interface Supervisor<T> {
  readonly streamId: number;
  readonly streamName: string;
  readonly context: StreamingGraph;
  storeOne(record: T): boolean;
  storeMany(records: Iterable<T>): boolean;
  isBufferFull(): boolean;
  waitForSpace(): Promise<void>;
  reportError(message: string, error: unknown): void;
  restart(message: string, error: unknown, delayMs: number | undefined, report: boolean): void;
  stopByReceiver(message: string, error: unknown): void;
  readonly receiverState: "initialized" | "started" | "stopped";
}

let attach: <T>(receiver: Receiver<T>, supervisor: Supervisor<T>) => void;
let supervisorOf: <T>(receiver: Receiver<T>) => Supervisor<T> | undefined;

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
 * import { count, ManualClock, pprint, Receiver, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * class Ticks extends Receiver<number> {
 *   #timer: ReturnType<typeof setInterval> | undefined;
 *   onStart(): void {
 *     let n = 0;
 *     this.#timer = setInterval(() => this.store(n++), 10);
 *   }
 *   onStop(): void {
 *     clearInterval(this.#timer);
 *   }
 * }
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext({ appName: "Ticks" }), Seconds(1), { clock });
 * ssc.receiverStream(new Ticks(), { maxRate: 100 }).pipe(count(), pprint(10, { print: () => {} }));
 * ssc.start();
 * await ssc.stop();
 * ```
 * @category inputs
 * @since 0.1.0
 */
export abstract class Receiver<T> {
  #supervisor: Supervisor<T> | undefined;

  static {
    attach = (receiver, supervisor) => {
      receiver.#supervisor = supervisor;
    };
    supervisorOf = (receiver) => receiver.#supervisor;
  }

  /** Starts receiving. Called by the stream on `ssc.start()` and after each restart's wait. */
  abstract onStart(): void;

  /** Stops receiving and releases what `onStart` took. Called on stop and before each restart. */
  abstract onStop(): void | Promise<void>;

  #attached(what: string): Supervisor<T> {
    const supervisor = this.#supervisor;
    if (supervisor === undefined || supervisor.receiverState === "initialized") {
      throw new Error(
        `A receiver can ${what} only once its stream has started it: give it to ssc.receiverStream(receiver), start the context, and call ${what} from onStart or later`,
      );
    }
    return supervisor;
  }

  /** The id of the stream this receiver feeds. */
  get streamId(): number {
    const supervisor = this.#supervisor;
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
    return this.#supervisor?.isBufferFull() ?? false;
  }

  /** Resolves once the buffer has room (at once if it has; also once the stream stops). */
  waitForSpace(): Promise<void> {
    return this.#supervisor?.waitForSpace() ?? Promise.resolve();
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
    return this.#supervisor?.receiverState === "started";
  }

  /** True once the receiver was stopped (for a restart or for good), and before it starts. */
  isStopped(): boolean {
    return this.#supervisor?.receiverState !== "started";
  }
}

/**
 * Reports an error that rejects `awaitTermination()` while the receiver keeps retrying
 * (a host name that does not resolve, for instance). For the library's own receivers.
 *
 * @internal
 * @category internal
 * @since 0.1.0
 */
export const reportToContext = (receiver: Receiver<unknown>, error: Error): void => {
  supervisorOf(receiver)?.context.reportError(error);
};

/**
 * Logs an informational line under the receiver's stream name. For the library's own receivers.
 *
 * @internal
 * @category internal
 * @since 0.1.0
 */
export const logInfo = (receiver: Receiver<unknown>, message: string): void => {
  const supervisor = supervisorOf(receiver);
  supervisor?.context.logger.info(`${supervisor.streamName}: ${message}`);
};

/**
 * Restarts a receiver after `delayMs` without reporting it: for receivers that report
 * their trouble in their own words first. For the library's own receivers.
 *
 * @internal
 * @category internal
 * @since 0.1.0
 */
export const restartQuietly = (receiver: Receiver<unknown>, delayMs: number): void => {
  supervisorOf(receiver)?.restart("", undefined, delayMs, false);
};

const checkDelay = (delay: unknown, name: string, where: string, fallback: number): number => {
  if (delay === undefined) return fallback;
  if (!(delay instanceof Duration) || delay.milliseconds < 0) {
    throw new TypeError(`${where}'s ${name} must be a non-negative Duration such as Milliseconds(100)`);
  }
  return delay.milliseconds;
};

const checkBufferBound = (n: unknown, where: string): number | undefined => {
  if (n === undefined) return undefined;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(
      `${where}'s maxBufferedRecords must be a positive whole number of records, got ${JSON.stringify(n) ?? typeof n}: use e.g. { maxBufferedRecords: 10000 }`,
    );
  }
  return n;
};


/**
 * The stream of a receiver: it starts, restarts and stops the receiver, buffers what it
 * stores, and gives each batch the records stored since the last one (within the rate
 * limit).
 *
 * @category inputs
 * @since 0.1.0
 */
export class ReceiverInputDStream<T> extends InputDStream<T> {
  readonly receiver: Receiver<T>;
  /** The rate limit, in records per second, if any. */
  readonly maxRate: number | undefined;
  /** How many records may wait for a batch before `store` asks the producer to pause. */
  readonly maxBufferedRecords: number;
  readonly #limiter: RateLimiter | undefined;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  #delay: number;
  #buffer: T[] = [];
  #spaceWaiters: Array<() => void> = [];
  #state: "initialized" | "started" | "stopped" = "initialized";
  /** Stopped for good: by `ssc.stop()` or by the receiver's own `stop`. */
  #halted = false;
  #restarting = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #onStopDone: Promise<void> = Promise.resolve();
  #lastTake: number | undefined;
  #received = 0;
  #peakBuffered = 0;

  constructor(context: StreamingGraph, receiver: Receiver<T>, options: ReceiverOptions = {}, kind = "receiverStream") {
    if (!(receiver instanceof Receiver)) {
      throw new TypeError(
        `${kind}'s receiver must be an instance of a class that extends Receiver, got ${receiver === null ? "null" : typeof receiver}: write class MyReceiver extends Receiver<string> { onStart() {…} onStop() {…} }`,
      );
    }
    const owner = supervisorOf(receiver);
    if (owner !== undefined) {
      throw new Error(`This receiver already feeds stream ${String(owner.streamId)}: create one receiver instance per receiverStream`);
    }
    const maxRate = checkMaxRate(options?.maxRate, kind);
    const bound = checkBufferBound(options?.maxBufferedRecords, kind);
    const minDelay = checkDelay(options?.minRestartDelay, "minRestartDelay", kind, 100);
    const maxDelay = checkDelay(options?.maxRestartDelay, "maxRestartDelay", kind, 2000);
    super(context, kind);
    this.receiver = receiver;
    this.maxRate = maxRate;
    this.#limiter = maxRate === undefined ? undefined : new RateLimiter(maxRate);
    const perBatch = this.#limiter?.perInterval(context.batchDuration.milliseconds);
    this.maxBufferedRecords = bound ?? (perBatch === undefined ? DEFAULT_MAX_BUFFERED : Math.max(1000, 2 * perBatch));
    if (perBatch !== undefined && this.maxBufferedRecords < perBatch) {
      context.logger.warn(
        `${this.name}: maxBufferedRecords (${this.maxBufferedRecords}) is below what one batch may take at maxRate ${maxRate}/s (${perBatch}): batches will hold at most ${this.maxBufferedRecords} records`,
      );
    }
    this.#minDelay = minDelay;
    this.#maxDelay = Math.max(minDelay, maxDelay);
    this.#delay = minDelay;
    const stream = this;
    attach(receiver, {
      streamId: this.id,
      streamName: this.name,
      context,
      get receiverState() {
        return stream.#state;
      },
      storeOne: (record) => this.#storeOne(record),
      storeMany: (records) => this.#storeMany(records),
      isBufferFull: () => this.#buffer.length >= this.maxBufferedRecords,
      waitForSpace: () => this.#waitForSpace(),
      reportError: (message, error) => this.#reportError(message, error),
      restart: (message, error, delayMs, report) => this.#restart(message, error, delayMs, report),
      stopByReceiver: (message, error) => this.#stopByReceiver(message, error),
    });
  }

  /** Records stored and not yet taken by a batch. */
  get bufferedRecords(): number {
    return this.#buffer.length;
  }

  /** The most records the buffer ever held at once. */
  get peakBufferedRecords(): number {
    return this.#peakBuffered;
  }

  /** Every record the receiver stored so far. */
  get receivedRecords(): number {
    return this.#received;
  }

  // -------------------------------------------------------------------------------------
  // the receiver's life
  // -------------------------------------------------------------------------------------

  override start(): void {
    this.#startReceiver();
  }

  #startReceiver(): void {
    if (this.#halted) return;
    this.#state = "started";
    this.context.reportReceiverState?.(this, true);
    try {
      const result: unknown = this.receiver.onStart();
      // An async onStart that rejects is a failed start too.
      if (result instanceof Promise) result.catch((error: unknown) => this.#failedStart(error));
    } catch (error) {
      this.#failedStart(error);
    }
  }

  #failedStart(error: unknown): void {
    this.#restart(`Error starting receiver ${this.name}`, error, undefined, true);
  }

  #stopReceiver(): Promise<void> {
    if (this.#state !== "started") return this.#onStopDone;
    this.#state = "stopped";
    this.context.reportReceiverState?.(this, false);
    const failed = (error: unknown) =>
      this.context.logger.warn(`${this.name}: the receiver's onStop threw; ignored (${describeError(error)})`);
    let result: unknown;
    try {
      // Called at once (like onStart), so the receiver has let go before stop/restart returns.
      result = this.receiver.onStop();
    } catch (error) {
      failed(error);
    }
    this.#onStopDone = Promise.resolve(result).then(() => {}, failed);
    return this.#onStopDone;
  }

  #restart(message: string, error: unknown, delayMs: number | undefined, report: boolean): void {
    if (this.#halted || this.#restarting) return;
    this.#restarting = true;
    const delay = delayMs ?? this.#delay;
    if (delayMs === undefined) this.#delay = Math.min(this.#delay * 2, this.#maxDelay);
    if (report) this.#reportError(`${message}; restarting in ${delay} ms`, error);
    const stopped = this.#stopReceiver();
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      void stopped.then(() => {
        this.#restarting = false;
        this.#startReceiver();
      });
    }, delay);
  }

  #stopByReceiver(message: string, error: unknown): void {
    if (this.#halted) return;
    if (error === undefined) this.context.logger.info(`${this.name}: stopped by its receiver: ${message}`);
    else this.#reportError(`Stopped by its receiver: ${message}`, error);
    this.#halt();
    void this.#stopReceiver();
  }

  #reportError(message: string, error: unknown): void {
    this.context.reportReceiverError(this, message, error);
  }

  #halt(): void {
    this.#halted = true;
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#wakeProducers();
  }

  override async stop(): Promise<void> {
    this.#halt();
    await this.#stopReceiver();
  }

  // -------------------------------------------------------------------------------------
  // the buffer
  // -------------------------------------------------------------------------------------

  #storeOne(record: T): boolean {
    this.#buffer.push(record);
    this.#received++;
    return this.#stored();
  }

  #storeMany(records: Iterable<T>): boolean {
    const buffer = this.#buffer;
    const before = buffer.length;
    if (Array.isArray(records)) {
      const array = records as ReadonlyArray<T>;
      for (let i = 0; i < array.length; i++) buffer.push(array[i]!);
    } else {
      for (const record of records) buffer.push(record);
    }
    this.#received += buffer.length - before;
    return this.#stored();
  }

  #stored(): boolean {
    const n = this.#buffer.length;
    // A stored record means the receiver works: the next restart waits the shortest delay.
    this.#delay = this.#minDelay;
    if (n > this.#peakBuffered) this.#peakBuffered = n;
    return n < this.maxBufferedRecords;
  }

  #waitForSpace(): Promise<void> {
    if (this.#halted || this.#buffer.length < this.maxBufferedRecords) return Promise.resolve();
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  #wakeProducers(): void {
    if (this.#spaceWaiters.length === 0) return;
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const wake of waiters) wake();
  }

  override hasPendingRecords(): boolean {
    return this.#buffer.length > 0;
  }

  protected override take(time: Time): { readonly rdd: RDD<T>; readonly count: number } {
    const buffer = this.#buffer;
    const previous = this.#lastTake ?? time.milliseconds - this.slideDuration.milliseconds;
    this.#lastTake = time.milliseconds;
    const allowed = this.#limiter === undefined ? buffer.length : this.#limiter.allowance(time.milliseconds, previous);
    let records: T[];
    if (allowed >= buffer.length) {
      records = buffer;
      this.#buffer = [];
    } else {
      records = buffer.slice(0, allowed);
      this.#buffer = buffer.slice(allowed);
    }
    if (this.#buffer.length < this.maxBufferedRecords) this.#wakeProducers();
    return { rdd: RDD.fromArray(records), count: records.length };
  }
}
