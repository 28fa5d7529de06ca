/**
 * `StreamingContext`: owns a pipeline's streams, outputs and scheduler, and follows
 * Spark's lifecycle: INITIALIZED → ACTIVE → STOPPED (or INITIALIZED → STOPPED).
 *
 * @module
 */
import { type Clock, isManualClock, SystemClock } from "../time/clock.ts";
import { Duration, Time } from "../time/duration.ts";
import type { RDD } from "../rdd/rdd.ts";
import type { DStream } from "../dstream/dstream.ts";
import type { InputDStream } from "../dstream/input.ts";
import type { Logger, StreamingGraph } from "../dstream/graph.ts";
import { QueueInputDStream, type QueueStreamOptions } from "../sources/queue.ts";
import { SocketTextInputDStream, type SocketTextStreamOptions } from "../sources/socket.ts";
import { FileInputDStream, type FileFormat, type FileStreamOptions, fixedLength, textLines } from "../sources/file.ts";
import { type Receiver, ReceiverInputDStream, type ReceiverOptions } from "../sources/receiver.ts";
import { checkMaxRate } from "../sources/rate_limiter.ts";
import type { StreamingListener } from "./listener.ts";
import { JobScheduler, type OutputOperation } from "./job_scheduler.ts";
import { SparkContext } from "./spark_context.ts";
import { describeError, describeValue } from "../_describe.ts";

/**
 * The states of a StreamingContext, as Spark names them.
 *
 * @category model
 * @since 0.1.0
 */
export type StreamingContextState = "INITIALIZED" | "ACTIVE" | "STOPPED";

/**
 * Options for {@link StreamingContext}.
 *
 * @category model
 * @since 0.1.0
 */
export interface StreamingContextOptions {
  /** What drives batch times: the system clock by default, a `ManualClock` in tests. */
  readonly clock?: Clock;
  /**
   * The default `maxRate` of every receiver, in records per second (Spark's
   * `spark.streaming.receiver.maxRate`); unlimited by default.
   */
  readonly receiverMaxRate?: number;
  /** The default `maxBufferedRecords` of every receiver (see `ReceiverOptions`). */
  readonly receiverMaxBufferedRecords?: number;
}

/**
 * Options for {@link StreamingContext.stop}.
 *
 * @category model
 * @since 0.1.0
 */
export interface StopOptions {
  /** Also stop the SparkContext (default `true`). */
  readonly stopSparkContext?: boolean;
  /** Wait until every record received so far is processed (default `false`). */
  readonly stopGracefully?: boolean;
}

let activeContext: StreamingContext | undefined;

/**
 * The context of a streaming application: make input streams on it, build the
 * pipeline with combinators, register outputs, then `start()`.
 *
 * @example
 * ```ts
 * import { count, ManualClock, pprint, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext({ appName: "Doc" }), Seconds(1), { clock });
 * const printed: string[] = [];
 * ssc.queueStream([["a", "b"], ["c"]]).pipe(count(), pprint(10, { print: (block) => printed.push(block) }));
 * ssc.start();
 * await clock.advance(Seconds(2));
 * await ssc.stop();
 * assert.deepEqual(printed.map((block) => block.split("\n")[3]), ["2", "1"]);
 * ```
 * @category constructors
 * @since 0.1.0
 */
export class StreamingContext implements StreamingGraph {
  readonly sparkContext: SparkContext;
  readonly batchDuration: Duration;
  readonly clock: Clock;

  #state: StreamingContextState = "INITIALIZED";
  #nextStreamId = 0;
  #rememberDuration: Duration | undefined;
  #startedAt: Date | undefined;
  #scheduler: JobScheduler | undefined;
  #stopping: Promise<void> | undefined;
  #releaseClock: (() => void) | undefined;
  #error: Error | undefined;
  readonly #receiverDefaults: ReceiverOptions;
  readonly #inputs: InputDStream<unknown>[] = [];
  readonly #namedStreams = new Map<string, DStream<unknown>>();
  readonly #outputs: OutputOperation[] = [];
  readonly #listeners = new Set<StreamingListener>();
  readonly #terminationWaiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();

  constructor(sparkContext: SparkContext, batchDuration: Duration, options: StreamingContextOptions = {}) {
    if (!(sparkContext instanceof SparkContext)) {
      throw new TypeError(
        `StreamingContext's sparkContext must be a SparkContext, got ${describeValue(sparkContext)}: pass new SparkContext({ appName })`,
      );
    }
    if (sparkContext.isStopped) {
      throw new Error("Cannot create a StreamingContext on a stopped SparkContext: create a new SparkContext");
    }
    if (!(batchDuration instanceof Duration)) {
      const hint = typeof batchDuration === "number" ? ` (write Seconds(${String(batchDuration)}) for seconds)` : "";
      throw new TypeError(
        `StreamingContext's batchDuration must be a Duration such as Seconds(1) or Milliseconds(500), got ${describeValue(batchDuration)}${hint}`,
      );
    }
    if (batchDuration.milliseconds <= 0) {
      throw new RangeError(
        `StreamingContext's batchDuration must be positive, got ${batchDuration}: use e.g. Seconds(1)`,
      );
    }
    this.sparkContext = sparkContext;
    this.batchDuration = batchDuration;
    this.clock = options.clock ?? new SystemClock();
    const maxRate = checkMaxRate(options.receiverMaxRate, "StreamingContext's receiverMaxRate");
    const maxBuffered = options.receiverMaxBufferedRecords;
    if (maxBuffered !== undefined && (!Number.isSafeInteger(maxBuffered) || maxBuffered < 1)) {
      throw new RangeError(
        `StreamingContext's receiverMaxBufferedRecords must be a positive whole number of records, got ${describeValue(maxBuffered)}`,
      );
    }
    this.#receiverDefaults = {
      ...(maxRate === undefined ? {} : { maxRate }),
      ...(maxBuffered === undefined ? {} : { maxBufferedRecords: maxBuffered }),
    };
  }

  // -------------------------------------------------------------------------------------
  // the active context
  // -------------------------------------------------------------------------------------

  /** The context that is started and not stopped, if any. */
  static getActive(): StreamingContext | undefined {
    return activeContext;
  }

  /** The active context, or a new one made by `create` (not started). */
  static getActiveOrCreate(create: () => StreamingContext): StreamingContext {
    if (typeof create !== "function") {
      throw new TypeError("getActiveOrCreate needs a function that creates a StreamingContext");
    }
    return activeContext ?? create();
  }

  // -------------------------------------------------------------------------------------
  // the graph, as its streams see it
  // -------------------------------------------------------------------------------------

  get defaultParallelism(): number {
    return this.sparkContext.defaultParallelism;
  }

  get logger(): Logger {
    return this.sparkContext.logger;
  }

  assertBuildable(): void {
    if (this.#state === "ACTIVE") {
      throw new Error(
        "Adding new inputs, transformations, and output operations after starting a context is not supported: build the whole pipeline before start()",
      );
    }
    if (this.#state === "STOPPED") {
      throw new Error(
        "Adding new inputs, transformations, and output operations after stopping a context is not supported: create a new StreamingContext",
      );
    }
  }

  nextStreamId(): number {
    return this.#nextStreamId++;
  }

  claimStreamName(name: string, stream: DStream<unknown>): void {
    const holder = this.#namedStreams.get(name);
    if (holder !== undefined && holder !== stream) {
      throw new Error(`Another stream of this context is already named ${JSON.stringify(name)}: give each stream its own name`);
    }
    this.#namedStreams.set(name, stream);
  }

  registerInput(stream: InputDStream<unknown>): void {
    this.assertBuildable();
    this.#inputs.push(stream);
  }

  registerOutput<A>(stream: DStream<A>, name: string, run: (rdd: RDD<A>, time: Time) => void | Promise<void>): void {
    this.assertBuildable();
    if (stream.context !== this) {
      throw new Error(`Cannot register ${name} on a stream of another StreamingContext`);
    }
    if (typeof run !== "function") {
      throw new TypeError(`${name} needs a function, got ${describeValue(run)}`);
    }
    this.#outputs.push({
      id: this.#outputs.length,
      name,
      stream: stream as DStream<unknown>,
      run: run as (rdd: RDD<unknown>, time: Time) => void | Promise<void>,
    });
  }

  reportError(error: Error): void {
    // The message already describes the cause (BatchError and receiver errors include it).
    this.logger.error(error.message);
    this.#error = error;
    for (const waiter of this.#terminationWaiters) waiter.reject(error);
    this.#terminationWaiters.clear();
  }

  reportReceiverError(stream: DStream<unknown>, message: string, error?: unknown): void {
    this.logger.warn(`${stream.name}: ${message}${error === undefined ? "" : ` (${describeError(error)})`}`);
    const receiverInfo = {
      streamId: stream.id,
      name: stream.name,
      active: this.#state === "ACTIVE",
      lastErrorMessage: message,
      lastError: error === undefined ? "" : describeError(error),
      lastErrorTime: this.clock.now(),
    };
    this.#post((l) => l.onReceiverError?.({ receiverInfo }));
  }

  reportBatchMetrics(stream: DStream<unknown>, time: Time, counts: Readonly<Record<string, number>>): void {
    this.#scheduler?.addMetrics(stream.name, time, counts);
  }

  reportReceiverState(stream: DStream<unknown>, active: boolean): void {
    const receiverInfo = { streamId: stream.id, name: stream.name, active, lastErrorMessage: "", lastError: "", lastErrorTime: -1 };
    this.#post((l) => (active ? l.onReceiverStarted?.({ receiverInfo }) : l.onReceiverStopped?.({ receiverInfo })));
  }

  #post(event: (listener: StreamingListener) => void): void {
    for (const listener of this.#listeners) {
      try {
        event(listener);
      } catch (error) {
        this.logger.error("A StreamingListener threw; it is kept, and the job goes on", error);
      }
    }
  }

  // -------------------------------------------------------------------------------------
  // inputs
  // -------------------------------------------------------------------------------------

  /**
   * A stream fed from a list of batches, one per batch time (or all at once with
   * `oneAtATime: false`); for tests and demos. Add more while running with `enqueue`.
   */
  queueStream<A>(batches: ReadonlyArray<ReadonlyArray<A> | RDD<A>>, options: QueueStreamOptions<A> = {}): QueueInputDStream<A> {
    return new QueueInputDStream(this, batches, options);
  }

  /**
   * Lines of UTF-8 text from a TCP server, read by a receiver that reconnects with
   * back-off when the server is down or closes the connection.
   */
  socketTextStream(hostname: string, port: number, options: SocketTextStreamOptions = {}): SocketTextInputDStream {
    return new SocketTextInputDStream(this, hostname, port, { ...this.#receiverDefaults, ...options });
  }

  /**
   * Records from a custom {@link Receiver}: started with the context, restarted after a
   * failure, stopped with the context. `maxRate` and `maxBufferedRecords` bound what
   * each batch takes and what waits (defaults: the context's `receiverMaxRate` and
   * `receiverMaxBufferedRecords`).
   */
  receiverStream<T>(receiver: Receiver<T>, options: ReceiverOptions = {}): ReceiverInputDStream<T> {
    return new ReceiverInputDStream(this, receiver, { ...this.#receiverDefaults, ...options });
  }

  /**
   * The lines of the files that appear in `directory` (a local directory that must
   * exist), each file read once, in the batch in which it appears. Names starting with
   * `.` or `_` are ignored: write files elsewhere and rename them in. See `fileStream`.
   */
  textFileStream(directory: string | URL, options: FileStreamOptions = {}): FileInputDStream<string> {
    return new FileInputDStream(this, directory, textLines, options, "textFileStream");
  }

  /**
   * The records of the files that appear in `directory`, with Spark's rules: a file is
   * read once, in the batch whose time follows its modification time; files already
   * there are skipped unless `newFilesOnly` is `false`; `filter` chooses among the rest.
   * `format` reads a file's bytes (default: UTF-8 lines).
   */
  fileStream(directory: string | URL, options?: FileStreamOptions): FileInputDStream<string>;
  fileStream<A>(directory: string | URL, options: FileStreamOptions & { readonly format: FileFormat<A> }): FileInputDStream<A>;
  fileStream<A>(directory: string | URL, options: FileStreamOptions & { readonly format?: FileFormat<A> } = {}): FileInputDStream<A | string> {
    const { format, ...rest } = options ?? {};
    return new FileInputDStream<A | string>(this, directory, format ?? textLines, rest, "fileStream");
  }

  /**
   * The fixed-length records (`recordLength` bytes each, as `Uint8Array`s) of the files
   * that appear in `directory`; a file whose size is not a multiple is reported.
   */
  binaryRecordsStream(directory: string | URL, recordLength: number, options: FileStreamOptions = {}): FileInputDStream<Uint8Array> {
    const format = fixedLength(recordLength, "binaryRecordsStream");
    return new FileInputDStream(this, directory, format, options, "binaryRecordsStream");
  }

  // -------------------------------------------------------------------------------------
  // lifecycle
  // -------------------------------------------------------------------------------------

  getState(): StreamingContextState {
    return this.#state;
  }

  /** Keeps every stream's RDDs for at least `duration` (for `slice` and inspection). */
  remember(duration: Duration): void {
    if (!(duration instanceof Duration) || duration.milliseconds <= 0) {
      throw new TypeError(`remember's duration must be a positive Duration such as Seconds(60), got ${describeValue(duration)}`);
    }
    if (this.#rememberDuration !== undefined) {
      throw new Error(`Remember duration already set as ${this.#rememberDuration}. Cannot set it again.`);
    }
    this.assertBuildable();
    this.#rememberDuration = duration;
  }

  addStreamingListener(listener: StreamingListener): void {
    this.#listeners.add(listener);
  }

  removeStreamingListener(listener: StreamingListener): void {
    this.#listeners.delete(listener);
  }

  /** Starts receiving and processing. Batches fall at multiples of the batch interval. */
  start(): void {
    if (this.#state === "ACTIVE") {
      this.logger.warn("StreamingContext has already been started");
      return;
    }
    if (this.#state === "STOPPED") {
      throw new Error("StreamingContext has already been stopped: a stopped context cannot be restarted; create a new one");
    }
    if (activeContext !== undefined) {
      throw new Error(
        `Only one StreamingContext may be started in this process. Currently running StreamingContext was started at ${activeContext.#startedAt?.toISOString()}: stop it first, or reuse it with StreamingContext.getActiveOrCreate()`,
      );
    }
    try {
      if (this.sparkContext.isStopped) {
        throw new Error("Cannot start a StreamingContext whose SparkContext was stopped: create a new SparkContext and StreamingContext");
      }
      if (this.#outputs.length === 0) {
        throw new Error("No output operations registered, so nothing to execute: add an output such as pprint() or foreachRDD() before start()");
      }
      const now = this.clock.now();
      const batch = this.batchDuration.milliseconds;
      const zeroTime = new Time(Math.floor(now / batch) * batch);
      const nodes = this.#prepareGraph(zeroTime);
      const listeners = this.#listeners;
      const scheduler = new JobScheduler({
        clock: this.clock,
        batchDuration: this.batchDuration,
        logger: this.logger,
        inputs: this.#inputs,
        outputs: this.#outputs,
        get listening() {
          return listeners.size > 0;
        },
        post: (event) => this.#post(event),
        reportError: (error) => this.reportError(error),
      }, nodes);
      this.#scheduler = scheduler;
      if (isManualClock(this.clock)) this.#releaseClock = this.clock.drive(scheduler);
      for (const input of this.#inputs) input.start();
      scheduler.start(zeroTime);
    } catch (error) {
      this.#state = "STOPPED";
      this.#shutDown(false).catch(() => {});
      throw error;
    }
    this.#state = "ACTIVE";
    this.#startedAt = new Date();
    activeContext = this;
    const time = this.clock.now();
    this.#post((l) => l.onStreamingStarted?.({ time }));
  }

  /** Sets zero times and remember durations; decides which nodes keep their RDDs. */
  #prepareGraph(zeroTime: Time): ReadonlyArray<DStream<unknown>> {
    const consumers = new Map<DStream<unknown>, number>();
    const visited = new Set<DStream<unknown>>();
    const visit = (node: DStream<unknown>) => {
      if (visited.has(node)) return;
      visited.add(node);
      for (const parent of node.parents) {
        consumers.set(parent, (consumers.get(parent) ?? 0) + 1);
        visit(parent);
      }
    };
    for (const output of this.#outputs) {
      consumers.set(output.stream, (consumers.get(output.stream) ?? 0) + 1);
      visit(output.stream);
      output.stream.initialize(zeroTime);
      output.stream.rememberAtLeast(this.#rememberDuration ?? output.stream.slideDuration);
    }
    for (const node of visited) {
      const remember = node.rememberDuration;
      const rereadLater = remember !== undefined && remember.milliseconds > node.slideDuration.milliseconds;
      if ((consumers.get(node) ?? 0) > 1 || rereadLater) node.cacheGeneratedRDDs();
    }
    for (const input of this.#inputs) visited.add(input);
    return [...visited];
  }

  /**
   * Stops the context: no more batches. Callable many times. The state is STOPPED as
   * soon as this returns; the promise resolves once every input and batch has ended.
   * Call it from an output or a listener without awaiting it there: the batch running
   * the call is one of those the promise waits for.
   */
  stop(options: StopOptions = {}): Promise<void> {
    const { stopSparkContext = true, stopGracefully = false } = options;
    if (this.#state === "INITIALIZED") {
      this.logger.warn("StreamingContext has not been started yet");
      this.#state = "STOPPED";
    } else if (this.#state === "STOPPED") {
      this.logger.warn("StreamingContext has already been stopped");
    } else {
      this.#state = "STOPPED";
      this.#stopping = this.#shutDown(stopGracefully);
    }
    if (stopSparkContext) this.sparkContext.stop();
    return this.#stopping ?? (this.#resolveWaiters(), Promise.resolve());
  }

  async #shutDown(graceful: boolean): Promise<void> {
    const scheduler = this.#scheduler;
    try {
      if (graceful) {
        await Promise.all(this.#inputs.map((input) => input.stop()));
        await scheduler?.stop(true, 10 * this.batchDuration.milliseconds);
      } else {
        await scheduler?.stop(false, 0);
        await Promise.all(this.#inputs.map((input) => input.stop()));
      }
    } finally {
      this.#releaseClock?.();
      if (activeContext === this) activeContext = undefined;
      this.#resolveWaiters();
    }
  }

  #resolveWaiters(): void {
    for (const waiter of this.#terminationWaiters) waiter.resolve();
    this.#terminationWaiters.clear();
  }

  /** Resolves when the context stops; rejects with the first error reported after the call. */
  awaitTermination(): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#state === "STOPPED" && this.#stopping === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#terminationWaiters.add({ resolve, reject });
      if (this.#state === "STOPPED") void this.#stopping?.then(() => this.#resolveWaiters());
    });
  }

  /** `true` if the context stopped within `timeoutMs` milliseconds, `false` if not. */
  awaitTerminationOrTimeout(timeoutMs: number): Promise<boolean> {
    if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) {
      throw new RangeError(`awaitTerminationOrTimeout's timeoutMs must be a non-negative number, got ${describeValue(timeoutMs)}`);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return Promise.race([this.awaitTermination().then(() => true), timedOut]).finally(() => clearTimeout(timer));
  }
}

