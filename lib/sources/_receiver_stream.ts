/**
 * The stream of a receiver: it starts, restarts and stops the receiver, buffers what it
 * stores, and gives each batch the records stored since the last one (within the rate
 * limit).
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { Duration, type Time } from "../time/duration.ts";
import { InputDStream, type TakenBatch } from "../dstream/_input.ts";
import { holdsPacked, type PackedRecords, rddOfBlocks, shippedBlock, type Stored, type TakenRecords } from "./_packed_partitions.ts";
import type { RateControl, StreamingGraph } from "../dstream/_graph.ts";
import { checkMaxRate, checkRateSettings, recordsAllowed } from "./rate_limiter.ts";
import { describeError } from "../_describe.ts";
import { Receiver, type ReceiverDStream, type ReceiverOptions } from "./receiver.ts";
import { attachSupervisor, supervisorOf } from "./_supervisor.ts";
import { join } from "node:path";
import { ReceiverLog, type ReceiverPosition } from "./_receiver_log.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";
import { v8StateCodec } from "../checkpoint/state_codec.ts";

const positionCodec = v8StateCodec<ReceiverPosition>();

/** The default buffer bound when no rate is set. */
const DEFAULT_MAX_BUFFERED = 1_000_000;

/** The least the buffer admits under backpressure, however low the rate. */
const MIN_ADMITTED = 1000;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";

const checkDelay = (delay: unknown, name: string, where: string, fallback: number): number => {
  if (delay === undefined) return fallback;
  if (!(delay instanceof Duration) || delay.milliseconds < 0) {
    throw new TypeError(`${where}'s ${name} must be a non-negative Duration such as Milliseconds(100)`);
  }
  return delay.milliseconds;
};

/** Spark's default `spark.streaming.blockInterval`. */
export const DEFAULT_BLOCK_INTERVAL_MS = 200;

export const checkBlockInterval = (interval: unknown, where: string): number => {
  if (interval === undefined) return DEFAULT_BLOCK_INTERVAL_MS;
  if (!(interval instanceof Duration) || !(interval.milliseconds > 0)) {
    throw new TypeError(`${where}'s blockInterval must be a positive Duration such as Milliseconds(50) (Spark's spark.streaming.blockInterval), got ${interval instanceof Duration ? interval.toString() : typeof interval}`);
  }
  return interval.milliseconds;
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


/** The most records `storeOne` appends to one array of the queue before it starts another. */
const SINGLES_PER_ARRAY = 4096;

/** What a batch takes from the queue: its blocks, in order (one partition each), and their records in all. */
export interface TakenBlocks<T> {
  readonly blocks: ReadonlyArray<TakenRecords<T>>;
  readonly count: number;
}

const countOf = <T>(stored: Stored<T>): number => (Array.isArray(stored) ? stored.length : (stored as PackedRecords<T>).count);

/**
 * The records waiting for a batch, in arrival order, held as the arrays they were stored
 * in (copied) or packed, not pushed one by one onto a single array: that array, grown to
 * hundreds of thousands of elements, outlives young-generation GCs, and every record pushed
 * onto it then goes through V8's slow write barrier (socket ingest ran at half the speed of
 * a loop that only splits lines). Batches take whole pieces; arrays are joined once.
 *
 * Each piece belongs to the block it was stored in (Spark's `BlockGenerator` cuts one
 * every `blockInterval`): a batch's blocks become its RDD's partitions.
 */
export class RecordQueue<T> {
  #pieces: Stored<T>[] = [];
  /** The block of each piece, in the same order. */
  #blocks: number[] = [];
  /** The last array while single records are appended to it. */
  #open: T[] | undefined;
  #length = 0;
  #packed = 0;

  /** Records waiting. */
  get length(): number {
    return this.#length;
  }

  #add(piece: Stored<T>, block: number): void {
    this.#pieces.push(piece);
    this.#blocks.push(block);
  }

  pushOne(record: T, block = 0): void {
    let open = this.#open;
    if (open === undefined || open.length >= SINGLES_PER_ARRAY || this.#blocks[this.#blocks.length - 1] !== block) {
      open = [];
      this.#add(open, block);
      this.#open = open;
    }
    open.push(record);
    this.#length++;
  }

  /** Appends a copy of `records` (the caller may reuse its array). */
  pushAll(records: ReadonlyArray<T>, block = 0): void {
    const n = records.length;
    if (n === 0) return;
    const copy: T[] = [];
    for (let i = 0; i < n; i++) copy.push(records[i]!);
    this.#add(copy, block);
    this.#open = undefined;
    this.#length += n;
  }

  pushPacked(records: PackedRecords<T>, block = 0): void {
    if (records.count === 0) return;
    this.#add(records, block);
    this.#open = undefined;
    this.#length += records.count;
    this.#packed++;
  }

  /** Removes the `n` oldest records (all of them when `n` ≥ length), in order, by block. */
  take(n: number): TakenBlocks<T> {
    const pieces = this.#pieces;
    const blocks = this.#blocks;
    let whole = pieces.length;
    let count = this.#length;
    let cut = 0;
    if (n < this.#length) {
      whole = 0;
      count = 0;
      while (count + countOf(pieces[whole]!) <= n) count += countOf(pieces[whole++]!);
      cut = n - count;
    }
    const taken = pieces.splice(0, whole);
    const takenBlocks = blocks.splice(0, whole);
    if (cut > 0) {
      // The piece the limit falls in is split: a packed one is unpacked first.
      const first = pieces[0]!;
      const records = Array.isArray(first) ? first : first.records();
      if (!Array.isArray(first)) this.#packed--;
      taken.push(records.slice(0, cut));
      takenBlocks.push(blocks[0]!);
      pieces[0] = records.slice(cut);
      if (this.#open === first) this.#open = pieces[0];
    }
    if (pieces.length === 0) this.#open = undefined;
    const total = count + cut;
    this.#length -= total;
    for (const piece of taken) if (!Array.isArray(piece)) this.#packed--;
    // Consecutive pieces of one block make one partition.
    const grouped: TakenRecords<T>[] = [];
    let from = 0;
    for (let i = 1; i <= taken.length; i++) {
      if (i < taken.length && takenBlocks[i] === takenBlocks[from]) continue;
      grouped.push(recordsOf(taken.slice(from, i)));
      from = i;
    }
    return { blocks: grouped, count: total };
  }
}

/** One block's pieces: joined into one array when none is packed. */
const recordsOf = <T>(pieces: Stored<T>[]): TakenRecords<T> => {
  let count = 0;
  let packed = false;
  for (const piece of pieces) {
    count += countOf(piece);
    if (!Array.isArray(piece)) packed = true;
  }
  return packed ? { pieces, count } : { array: joined(pieces as T[][]) };
};

/** Arrays passed to one `concat` call at most (its arguments live on the stack). */
const CONCAT_ARGUMENTS = 8192;

/** One array of the arrays' records, in order (a single array is returned as is). */
const joined = <T>(arrays: ReadonlyArray<T[]>): T[] => {
  if (arrays.length === 0) return [];
  if (arrays.length === 1) return arrays[0]!;
  if (arrays.length <= CONCAT_ARGUMENTS) return ([] as T[]).concat(...arrays);
  let out: T[] = [];
  for (let i = 0; i < arrays.length; i += CONCAT_ARGUMENTS) out = out.concat(...arrays.slice(i, i + CONCAT_ARGUMENTS));
  return out;
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
  readonly #rateControl: RateControl | undefined;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  #delay: number;
  readonly #buffer = new RecordQueue<T>();
  /** Spark's `blockInterval`, in milliseconds: records stored within one interval make one block, one partition of their batch. */
  readonly blockIntervalMs: number;
  #spaceWaiters: Array<() => void> = [];
  #state: "initialized" | "started" | "stopping" | "stopped" = "initialized";
  /** Aborts when the current run of the receiver stops: ends its `every`, `run` and `sleep`. */
  #run = new AbortController();
  /** Stopped for good: by `ssc.stop()` or by the receiver's own `stop`. */
  #halted = false;
  readonly #halt = new AbortController();
  #restarting = false;
  #onStopDone: Promise<void> = Promise.resolve();
  #lastTake: number | undefined;
  /** The fraction of a record owed by the rate from earlier batches. */
  #carry = 0;
  #received = 0;
  #peakBuffered = 0;
  #warnedOverfull = false;
  /** With checkpoints: the write-ahead log every stored record goes through first. */
  #log: ReceiverLog<T> | undefined;
  #restoredPosition: ReceiverPosition | undefined;

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
    const { backpressure, initialRate, minRate } = checkRateSettings(options ?? {}, kind);
    const bound = checkBufferBound(options?.maxBufferedRecords, kind);
    const minDelay = checkDelay(options?.minRestartDelay, "minRestartDelay", kind, 100);
    const maxDelay = checkDelay(options?.maxRestartDelay, "maxRestartDelay", kind, 2000);
    const blockInterval = checkBlockInterval(options?.blockInterval, kind);
    super(context, kind);
    this.receiver = receiver;
    this.maxRate = maxRate;
    this.blockIntervalMs = blockInterval;
    const perBatch = maxRate === undefined ? undefined : Math.ceil((maxRate * context.batchDuration.milliseconds) / 1000);
    this.maxBufferedRecords = bound ?? (perBatch === undefined ? DEFAULT_MAX_BUFFERED : Math.max(MIN_ADMITTED, 2 * perBatch));
    if (perBatch !== undefined && this.maxBufferedRecords < perBatch) {
      context.logger.warn(
        `${this.name}: maxBufferedRecords (${this.maxBufferedRecords}) is below what one batch may take at maxRate ${maxRate}/s (${perBatch}): batches will hold at most ${this.maxBufferedRecords} records`,
      );
    }
    this.#rateControl = context.rateControl?.(this, { backpressure, initialRate, minRate, maxRate });
    this.#minDelay = minDelay;
    this.#maxDelay = Math.max(minDelay, maxDelay);
    this.#delay = minDelay;
    this.#run.abort();
    const stream = this;
    attachSupervisor(receiver, {
      streamId: this.id,
      streamName: this.name,
      context,
      get receiverState() {
        return stream.#state;
      },
      get stoppedForGood() {
        return stream.#halted;
      },
      storeOne: (record) => this.#storeOne(record),
      storeMany: (records) => this.#storeMany(records),
      storePacked: (records) => this.#storePacked(records),
      isBufferFull: () => this.#waiting() >= this.#admitted(),
      waitForSpace: () => this.#waitForSpace(),
      reportError: (message, error) => this.#reportError(message, error),
      restart: (message, error, delayMs, report) => this.#restart(message, error, delayMs, report),
      stopByReceiver: (message, error) => this.#stopByReceiver(message, error),
      every: (periodMs, tick) => this.#every(periodMs, tick),
      run: (task) => this.#supervise(this.#run, "a task it runs (run)", task),
      sleep: (ms) => this.context.clock.sleep(ms, this.#run.signal),
    });
    context.registerRecoverable(this.#recoverable() as Recoverable<unknown>);
  }

  #recoverable(): Recoverable<ReceiverPosition> {
    const stream = this;
    const context = this.context;
    const commit = (stateTime: Time) => this.#log?.commit(stateTime.milliseconds);
    return {
      get name() {
        return stream.checkpointName;
      },
      role: "input",
      kind: this.kind,
      codec: positionCodec,
      snapshot: (_time, stateTime) => this.#log?.snapshot(stateTime.milliseconds) ?? { batches: [], next: [0, 0] },
      restore: (position) => void (this.#restoredPosition = position),
      // Only with checkpoints is there a log to trim.
      get commit() {
        return context.checkpointing ? commit : undefined;
      },
    };
  }

  /** Opens the write-ahead log when checkpoints are on (at the first start). */
  #openLog(): void {
    const directory = this.context.checkpointDirectory;
    if (directory === undefined || this.#log !== undefined) return;
    const folder = join(directory, "receivedData", encodeURIComponent(this.checkpointName));
    const log = new ReceiverLog<T>(folder, this.context.logger, (records) => this.#deliver(records), this.context.writeAheadLogFsync ?? "block");
    if (this.#restoredPosition !== undefined) log.restore(this.#restoredPosition);
    this.#log = log;
    log.open();
    log.ready().catch((error: unknown) => this.context.reportError(new Error(`${this.name}: its write-ahead log in ${folder} cannot be opened: ${describeError(error)}`, { cause: error })));
  }

  /** Logged records (or, without a log, stored ones) enter the buffer. */
  #deliver(records: ReadonlyArray<T>): boolean {
    this.#buffer.pushAll(records, this.#currentBlock());
    this.#received += records.length;
    return this.#stored();
  }

  /** A custom receiver is known by its class: name the stream with `named` when two share one. */
  override get sourceIdentity(): string {
    return this.receiver.constructor.name;
  }

  /** True when backpressure sets the rate of this stream's batches. */
  get backpressure(): boolean {
    return this.#rateControl !== undefined;
  }

  /** The records per second the next batch may take; `undefined` for no limit. */
  get rate(): number | undefined {
    return this.#rateControl === undefined ? this.maxRate : this.#rateControl.rate();
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
    this.#openLog();
    this.#startReceiver();
  }

  #startReceiver(): void {
    if (this.#halted) return;
    const run = new AbortController();
    this.#run = run;
    this.#state = "started";
    this.context.reportReceiverState?.(this, true);
    this.#supervise(run, "onStart", () => this.receiver.onStart(), `Error starting receiver ${this.name}`);
  }

  /**
   * Calls `task` for the run `run` of the receiver; a throw or a rejection restarts the
   * receiver, unless that run has already ended (then it is only reported).
   */
  #supervise(run: AbortController, what: string, task: (signal: AbortSignal) => unknown, message?: string): void {
    const failed = (error: unknown) => {
      const text = message ?? `Receiver ${this.name} failed in ${what}`;
      if (run !== this.#run || run.signal.aborted) {
        this.#reportError(`${text}, after that run of the receiver had stopped; not restarted for it`, error);
      } else {
        this.#restart(text, error, undefined, true);
      }
    };
    try {
      const result = task(run.signal);
      if (isThenable(result)) result.then(undefined, failed);
    } catch (error) {
      failed(error);
    }
  }

  /** A supervised interval on the context's clock, on a fixed schedule (late ticks are not repeated). */
  #every(periodMs: number, tick: () => void | Promise<void>): void {
    const run = this.#run;
    const clock = this.context.clock;
    this.#supervise(run, `a tick of every(${periodMs} ms)`, async (signal) => {
      let next = clock.now() + periodMs;
      let sleeping = clock.sleepUntil(next, signal);
      while (await sleeping) {
        if (signal.aborted) return;
        next += periodMs;
        const now = clock.now();
        if (next <= now) next = now + periodMs;
        // The next wait starts before the tick runs, so a tick's own duration does not shift the schedule.
        sleeping = clock.sleepUntil(next, signal);
        // A synchronous tick is not awaited: the loop is back waiting in the same turn, so a
        // ManualClock's advance wakes it before the test goes on.
        const result = tick();
        if (isThenable(result)) await result;
      }
    });
  }

  #stopReceiver(): Promise<void> {
    if (this.#state !== "started") return this.#onStopDone;
    this.#state = "stopping";
    this.#run.abort();
    this.context.reportReceiverState?.(this, false);
    const failed = (error: unknown) =>
      this.context.logger.warn(`${this.name}: the receiver's onStop threw; ignored (${describeError(error)})`);
    const stopped = () => {
      if (this.#state === "stopping") this.#state = "stopped";
    };
    let result: unknown;
    try {
      // Called at once (like onStart), so the receiver has let go before stop/restart returns.
      result = this.receiver.onStop();
    } catch (error) {
      failed(error);
    }
    if (isThenable(result)) {
      // Until its onStop finishes, the receiver may still store what it held (a last line).
      this.#onStopDone = Promise.resolve(result).then(stopped, (error: unknown) => {
        failed(error);
        stopped();
      });
    } else {
      stopped();
      this.#onStopDone = Promise.resolve();
    }
    return this.#onStopDone;
  }

  #restart(message: string, error: unknown, delayMs: number | undefined, report: boolean): void {
    if (this.#halted || this.#restarting) return;
    this.#restarting = true;
    const delay = delayMs ?? this.#delay;
    if (delayMs === undefined) this.#delay = Math.min(this.#delay * 2, this.#maxDelay);
    if (report) this.#reportError(`${message}; restarting in ${delay} ms`, error);
    const stopped = this.#stopReceiver();
    // The wait is on the context's clock: under a ManualClock, a test advances through it.
    void this.context.clock.sleep(delay, this.#halt.signal).then(async (waited) => {
      await stopped;
      this.#restarting = false;
      if (waited) this.#startReceiver();
    });
  }

  #stopByReceiver(message: string, error: unknown): void {
    if (this.#halted) return;
    if (error === undefined) this.context.logger.info(`${this.name}: stopped by its receiver: ${message}`);
    else this.#reportError(`Stopped by its receiver: ${message}`, error);
    this.#stopForGood();
    void this.#stopReceiver();
  }

  #reportError(message: string, error: unknown): void {
    this.context.reportReceiverError(this, message, error);
  }

  #stopForGood(): void {
    this.#halted = true;
    this.#halt.abort();
    this.#wakeProducers();
  }

  override async stop(): Promise<void> {
    this.#stopForGood();
    await this.#stopReceiver();
    await this.#log?.close();
  }

  // -------------------------------------------------------------------------------------
  // the buffer
  // -------------------------------------------------------------------------------------

  /**
   * How many records the buffer admits before producers pause: under backpressure, two
   * batches at the current rate (at least 1000), never more than `maxBufferedRecords`.
   */
  #admitted(): number {
    const rate = this.#rateControl?.rate();
    if (rate === undefined) return this.maxBufferedRecords;
    const twoBatches = Math.ceil((2 * rate * this.context.batchDuration.milliseconds) / 1000);
    return Math.min(this.maxBufferedRecords, Math.max(MIN_ADMITTED, twoBatches));
  }

  #storeOne(record: T): boolean {
    const log = this.#log;
    if (log !== undefined) {
      void log.add([record]);
      return this.#waiting() < this.#admitted();
    }
    this.#buffer.pushOne(record, this.#currentBlock());
    this.#received++;
    return this.#stored();
  }

  /** Records waiting for a batch: in the buffer, or still being logged. */
  #waiting(): number {
    return this.#buffer.length + (this.#log?.unlogged ?? 0);
  }

  #storeMany(records: Iterable<T>): boolean {
    const log = this.#log;
    if (log !== undefined) {
      void log.add(Array.isArray(records) ? records as ReadonlyArray<T> : [...records]);
      return this.#waiting() < this.#admitted();
    }
    const array = Array.isArray(records) ? records as ReadonlyArray<T> : [...records];
    this.#buffer.pushAll(array, this.#currentBlock());
    this.#received += array.length;
    return this.#stored();
  }

  #storePacked(records: PackedRecords<T>): boolean {
    const log = this.#log;
    // The log keeps records, not their packed form.
    if (log !== undefined) return this.#storeMany(records.records());
    this.#buffer.pushPacked(records, this.#currentBlock());
    this.#received += records.count;
    return this.#stored();
  }

  /** The block a record stored now belongs to: the clock's time in whole block intervals. */
  #currentBlock(): number {
    return Math.floor(this.context.clock.now() / this.blockIntervalMs);
  }

  #stored(): boolean {
    const n = this.#buffer.length;
    // A stored record means the receiver works: the next restart waits the shortest delay.
    this.#delay = this.#minDelay;
    if (n > this.#peakBuffered) this.#peakBuffered = n;
    if (n >= 2 * this.maxBufferedRecords && !this.#warnedOverfull) {
      this.#warnedOverfull = true;
      this.context.logger.warn(
        `${this.name}: ${n} records wait for a batch, twice maxBufferedRecords (${this.maxBufferedRecords}): the receiver keeps storing although store() returned false. Nothing is dropped, but memory grows: pause the source until waitForSpace() resolves, or await store(records)`,
      );
    }
    return n < this.#admitted();
  }

  #waitForSpace(): Promise<void> {
    const log = this.#log;
    // With a log, a record is received once it is logged: store(records) resolves after that.
    if (log !== undefined && log.unlogged > 0) return log.flushed().then(() => this.#waitForSpace());
    if (this.#halted || this.#buffer.length < this.#admitted()) return Promise.resolve();
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  #wakeProducers(): void {
    if (this.#spaceWaiters.length === 0) return;
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const wake of waiters) wake();
  }

  override hasPendingRecords(): boolean {
    return this.#waiting() > 0;
  }

  protected override take(time: Time): TakenBatch<T> | Promise<TakenBatch<T>> {
    const log = this.#log;
    if (log === undefined) return this.#takeBuffered(time);
    if (log.opening) return log.ready().then(() => this.take(time));
    const recorded = log.recoveredBatch(time.milliseconds);
    // Generated again after a recovery: the records it had the first time, from the log.
    if (recorded !== undefined) return { rdd: RDD.fromArray(recorded), count: recorded.length };
    const taken = this.#takeBuffered(time);
    log.took(time.milliseconds, taken.count);
    return taken;
  }

  #takeBuffered(time: Time): TakenBatch<T> {
    const buffer = this.#buffer;
    const previous = this.#lastTake ?? time.milliseconds - this.slideDuration.milliseconds;
    this.#lastTake = time.milliseconds;
    const rate = this.rate;
    let allowed = buffer.length;
    if (rate === undefined) {
      this.#carry = 0;
    } else {
      const { whole, carry } = recordsAllowed(rate, previous, time.milliseconds, this.#carry);
      allowed = whole;
      // Unused allowance is not saved up: a quiet period does not allow a later burst.
      this.#carry = whole > buffer.length ? 0 : carry;
    }
    const taken = buffer.take(allowed);
    if (buffer.length < this.#admitted()) this.#wakeProducers();
    const { blocks, count } = taken;
    if (!holdsPacked(blocks)) return { rdd: rddOfBlocks(blocks, false), count };
    // Packed blocks go to worker threads as text, split there (not on the driver).
    return { rdd: rddOfBlocks(blocks, true), count, shipped: () => blocks.map(shippedBlock) };
  }
}
