/**
 * The stream of a receiver: it starts, restarts and stops the receiver, buffers what it
 * stores, and gives each batch the records stored since the last one (within the rate
 * limit).
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { Duration, type Time } from "../time/duration.ts";
import { InputDStream } from "../dstream/_input.ts";
import type { StreamingGraph } from "../dstream/_graph.ts";
import { checkMaxRate, RateLimiter } from "./rate_limiter.ts";
import { describeError } from "../_describe.ts";
import { Receiver, type ReceiverDStream, type ReceiverOptions } from "./receiver.ts";
import { attachSupervisor, supervisorOf } from "./_supervisor.ts";

/** The default buffer bound when no rate is set. */
const DEFAULT_MAX_BUFFERED = 1_000_000;

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
 * @category spi
 * @since 0.1.0
 */
export class ReceiverInputDStream<T> extends InputDStream<T> implements ReceiverDStream<T> {
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
    attachSupervisor(receiver, {
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
