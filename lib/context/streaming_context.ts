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
import type { Backlog, Logger } from "../dstream/_graph.ts";
import { transformAll, unionAll } from "../dstream/multi_stream.ts";
import { type QueueDStream, QueueInputDStream, type QueueStreamOptions } from "../sources/queue.ts";
import { type SocketTextDStream, SocketTextInputDStream, type SocketTextStreamOptions } from "../sources/socket.ts";
import { type FileDStream, FileInputDStream, type FileFormat, type FileStreamOptions, fixedLength, textLines } from "../sources/file.ts";
import type { Receiver, ReceiverDStream, ReceiverOptions } from "../sources/receiver.ts";
import { checkBlockInterval, ReceiverInputDStream } from "../sources/_receiver_stream.ts";
import { checkMaxRate, checkRateSettings } from "../sources/rate_limiter.ts";
import type { StreamingListener } from "./listener.ts";
import { JobScheduler } from "./job_scheduler.ts";
import { parseMaster, SparkContext } from "./spark_context.ts";
import { WorkerMapSide, WorkerPool } from "./_workers.ts";
import { graphSignature, mapSideNodes } from "./_map_side.ts";
import { ContextGraph } from "./_context_graph.ts";
import { prepareGraph } from "./_graph_preparation.ts";
import { Termination, timeoutMilliseconds } from "./_termination.ts";
import { describeValue } from "../_describe.ts";
import { createListenerBus, type ListenerBus } from "./_listener_bus.ts";
import type { DStreamNode } from "../dstream/_node.ts";
import type { CheckpointStore } from "../checkpoint/store.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isAbsolute } from "node:path";
import { directoryCheckpointStore } from "../checkpoint/directory_store.ts";
import type { CompatibilityOptions, WindowShape } from "../checkpoint/_compatibility.ts";
import { Checkpointer, defaultStateIntervalMs } from "./_checkpointer.ts";
import { type FoundCheckpoint, findCheckpoint, restoreParts } from "./_recovery.ts";

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
  /**
   * The default `blockInterval` of every receiver (Spark's `spark.streaming.blockInterval`,
   * 200 ms): records a receiver stores within one interval make one partition of their
   * batch. Set it below the batch interval for several partitions per batch, e.g. for
   * `local[n]`'s worker threads.
   */
  readonly blockInterval?: Duration;
  /**
   * Backpressure (Spark's `spark.streaming.backpressure.enabled`), on by default: after
   * each batch a PID estimator sets the rate each receiver's next batch takes. `false`
   * turns it off: batches then take all that waits, up to `receiverMaxRate`.
   */
  readonly backpressure?: boolean;
  /** The rate before the first estimate, in records per second (Spark's `backpressure.initialRate`); default: no limit. */
  readonly initialRate?: number;
  /** The lowest rate backpressure sets, in records per second (Spark's `backpressure.pid.minRate`); default 100. */
  readonly minRate?: number;
  /**
   * The most batches generated but not yet processed (waiting or running), default
   * {@link DEFAULT_MAX_PENDING_BATCHES}. Beyond it no batch is generated until one
   * finishes: late batches keep their batch times, and their `schedulingDelay` shows
   * the wait. From half of it on, file and queue streams take less per batch (they
   * leave files and queued batches for later ones); nothing is dropped.
   */
  readonly maxPendingBatches?: number;
}

/**
 * The default `maxPendingBatches`: ten batches absorb a hiccup (a pause or one slow
 * batch of up to ten intervals) without slowing any input, and bound what waits in
 * memory to ten batches' worth of input.
 *
 * @category model
 * @since 0.2.0
 */
export const DEFAULT_MAX_PENDING_BATCHES: number = 10;

const checkMaxPendingBatches = (value: unknown): number => {
  if (value === undefined) return DEFAULT_MAX_PENDING_BATCHES;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `StreamingContext's maxPendingBatches must be a positive whole number of batches, got ${describeValue(value)}: e.g. ${DEFAULT_MAX_PENDING_BATCHES}`,
    );
  }
  return value;
};

const NOTHING_PENDING: Backlog = { pendingBatches: 0, maxPendingBatches: DEFAULT_MAX_PENDING_BATCHES, backlogged: false };

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

/**
 * Options of {@link StreamingContext.checkpoint}.
 *
 * @category model
 * @since 0.3.0
 */
export interface CheckpointOptions {
  /** Where checkpoints go instead of the directory (another `CheckpointStore`). */
  readonly store?: CheckpointStore;
  /**
   * When receivers' write-ahead logs fsync: `"block"` (default) before each logged block
   * counts as received; a number N: every N ms, a block counting as received at the fsync
   * that covers it (fewer fsyncs, later acknowledgements).
   */
  readonly writeAheadLogFsync?: "block" | number;
}

/**
 * Options of {@link StreamingContext.getOrCreate}: how a checkpoint written by older code
 * is taken over by today's.
 *
 * @category model
 * @since 0.3.0
 */
export interface RecoveryOptions {
  /** Recorded state to drop, by stream name: the stream (if still there) starts empty. */
  readonly discardState?: ReadonlyArray<string>;
  /** Maps a recorded batch time onto today's batch interval; allows a changed interval. */
  readonly migrateBatchTime?: (recordedMs: number) => number;
  /** Windows (by stream name) whose changed length or slide is accepted. */
  readonly migrateWindows?: ReadonlyArray<string>;
  /** Where the checkpoints are, when not in `directory` (another `CheckpointStore`). */
  readonly store?: CheckpointStore;
}

/**
 * Options of {@link StreamingContext.fromModule}.
 *
 * @category model
 * @since 0.4.0
 */
export interface ModuleOptions {
  /** Passed to the module's function, on the driver and on every worker thread (copied there: plain data only). */
  readonly args?: ReadonlyArray<unknown>;
  /**
   * A checkpoint directory: the context is then `StreamingContext.getOrCreate(checkpoint,
   * …)`'s, recovered from the checkpoint there when there is one.
   */
  readonly checkpoint?: string | URL;
  /** How a checkpoint written by older code is taken over (see `getOrCreate`). */
  readonly recovery?: RecoveryOptions;
  /**
   * Batches whose inputs hold fewer records run on the driver's thread alone, in the
   * single pass `local[1]` takes (other threads would not pay for the copying); default
   * {@link DEFAULT_MIN_PARALLEL_BATCH_RECORDS}. From this many on, keyed steps combine per
   * partition wherever the batch runs, so the result never depends on timing.
   */
  readonly minBatchRecords?: number;
  /**
   * `true` (default): the time per record is measured on the workers and on this thread
   * alone, and each batch goes the faster way (other processes may hold the cores); the
   * result is the same either way. `false`: every batch from `minBatchRecords` on uses
   * the workers.
   */
  readonly adaptive?: boolean;
}

/**
 * The default `minBatchRecords` of {@link StreamingContext.fromModule}: from this many
 * input records on, a batch's map side runs on the worker threads too.
 *
 * @category model
 * @since 0.4.0
 */
export const DEFAULT_MIN_PARALLEL_BATCH_RECORDS: number = 20_000;

const moduleURL = (module: unknown): URL => {
  if (module instanceof URL) return module;
  if (typeof module === "string") {
    if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return new URL(module);
    if (isAbsolute(module)) return pathToFileURL(module);
  }
  throw new TypeError(
    `fromModule needs the module's URL or absolute path, got ${describeValue(module)}: write StreamingContext.fromModule(new URL("./job.ts", import.meta.url))`,
  );
};

/** The context that is started and whose stop was not called yet. */
let activeContext: StreamingContext | undefined;

const receiverDefaultsOf = (options: StreamingContextOptions): ReceiverOptions => {
  const maxRate = checkMaxRate(options.receiverMaxRate, "StreamingContext's receiverMaxRate");
  const maxBuffered = options.receiverMaxBufferedRecords;
  if (maxBuffered !== undefined && (!Number.isSafeInteger(maxBuffered) || maxBuffered < 1)) {
    throw new RangeError(
      `StreamingContext's receiverMaxBufferedRecords must be a positive whole number of records, got ${describeValue(maxBuffered)}`,
    );
  }
  const rates = checkRateSettings(options, "StreamingContext");
  if (options.blockInterval !== undefined) checkBlockInterval(options.blockInterval, "StreamingContext");
  return {
    ...(maxRate === undefined ? {} : { maxRate }),
    ...(maxBuffered === undefined ? {} : { maxBufferedRecords: maxBuffered }),
    ...(options.blockInterval === undefined ? {} : { blockInterval: options.blockInterval }),
    ...rates,
  };
};

const checkBatchDuration = (batchDuration: unknown): Duration => {
  if (!(batchDuration instanceof Duration)) {
    const hint = typeof batchDuration === "number" ? ` (write Seconds(${String(batchDuration)}) for seconds)` : "";
    throw new TypeError(
      `StreamingContext's batchDuration must be a Duration such as Seconds(1) or Milliseconds(500), got ${describeValue(batchDuration)}${hint}`,
    );
  }
  if (batchDuration.milliseconds <= 0) {
    throw new RangeError(`StreamingContext's batchDuration must be positive, got ${batchDuration}: use e.g. Seconds(1)`);
  }
  return batchDuration;
};

const checkpointPath = (directory: unknown, operation: string): string => {
  if (directory instanceof URL) {
    if (directory.protocol !== "file:") throw new TypeError(`${operation}'s directory must be a local path or a file: URL, got ${directory.href}`);
    return fileURLToPath(directory);
  }
  if (typeof directory !== "string" || directory.length === 0) {
    throw new TypeError(`${operation} needs a checkpoint directory (a path), got ${describeValue(directory)}: e.g. ssc.checkpoint("checkpoints")`);
  }
  return directory;
};

/** The graph port of each context: what streams and connectors build on. */
const graphs = new WeakMap<StreamingContext, ContextGraph>();

/**
 * The graph port of `ssc`, for sources and sinks written outside the core (`dstreams/spi`).
 *
 * @category spi
 * @since 0.2.0
 */
export const graphOf = (ssc: StreamingContext): ContextGraph => {
  const graph = graphs.get(ssc);
  if (graph === undefined) {
    throw new TypeError(`Expected a StreamingContext, got ${describeValue(ssc)}: create one with new StreamingContext(sc, Seconds(1))`);
  }
  return graph;
};

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
export class StreamingContext {
  readonly sparkContext: SparkContext;
  readonly batchDuration: Duration;
  readonly clock: Clock;

  #state: StreamingContextState = "INITIALIZED";
  #rememberDuration: Duration | undefined;
  #checkpointDirectory: string | undefined;
  #checkpointStore: CheckpointStore | undefined;
  #walFsync: "block" | number = "block";
  #checkpointer: Checkpointer | undefined;
  /** Set by `getOrCreate` when it restored this context from a checkpoint. */
  #recovered: FoundCheckpoint | undefined;
  #startedAt: Date | undefined;
  #scheduler: JobScheduler | undefined;
  #stopping: Promise<void> | undefined;
  /** Settles once everything has ended, including a batch that called `stop()`. */
  #ended: Promise<void> | undefined;
  readonly #maxPendingBatches: number;
  #releaseClock: (() => void) | undefined;
  readonly #graph: ContextGraph;
  readonly #listeners: ListenerBus = createListenerBus(this, () => this.#logger);
  /** `local[n]`'s worker threads, for a context made by `fromModule`. */
  #workers: WorkerPool | undefined;
  #minBatchRecords = DEFAULT_MIN_PARALLEL_BATCH_RECORDS;
  #adaptive = true;
  readonly #termination = new Termination();

  constructor(sparkContext: SparkContext, batchDuration: Duration, options: StreamingContextOptions = {}) {
    if (!(sparkContext instanceof SparkContext)) {
      throw new TypeError(
        `StreamingContext's sparkContext must be a SparkContext, got ${describeValue(sparkContext)}: pass new SparkContext({ appName })`,
      );
    }
    if (sparkContext.isStopped) {
      throw new Error("Cannot create a StreamingContext on a stopped SparkContext: create a new SparkContext");
    }
    this.sparkContext = sparkContext;
    this.batchDuration = checkBatchDuration(batchDuration);
    this.clock = options.clock ?? new SystemClock();
    const receiverDefaults = receiverDefaultsOf(options);
    this.#maxPendingBatches = checkMaxPendingBatches(options.maxPendingBatches);
    this.#graph = new ContextGraph({
      batchDuration: this.batchDuration,
      clock: this.clock,
      defaultParallelism: sparkContext.defaultParallelism,
      logger: sparkContext.logger,
      receiverDefaults,
      state: () => this.#state,
      post: (event) => this.#post(event),
      reportError: (error) => this.#reportError(error),
      addMetrics: (name, time, counts) => this.#scheduler?.addMetrics(name, time, counts),
      addListener: (listener) => this.addStreamingListener(listener),
      backlog: () => this.#scheduler?.backlog() ?? { ...NOTHING_PENDING, maxPendingBatches: this.#maxPendingBatches },
      checkpointDirectory: () => this.#checkpointDirectory,
      writeAheadLogFsync: () => this.#walFsync,
    });
    graphs.set(this, this.#graph);
  }

  // -------------------------------------------------------------------------------------
  // the active context
  // -------------------------------------------------------------------------------------

  /** The context that is started and not stopped, if any. */
  static getActive(): StreamingContext | undefined {
    return activeContext;
  }

  /**
   * The active context, or a new one made by `create` (not started). With a checkpoint
   * directory first: the active context, or `getOrCreate(directory, create)`.
   */
  static getActiveOrCreate(create: () => StreamingContext): StreamingContext;
  static getActiveOrCreate(directory: string | URL, create: () => StreamingContext, options?: RecoveryOptions): Promise<StreamingContext>;
  static getActiveOrCreate(
    first: string | URL | (() => StreamingContext),
    create?: () => StreamingContext,
    options?: RecoveryOptions,
  ): StreamingContext | Promise<StreamingContext> {
    if (typeof first === "string" || first instanceof URL) {
      return activeContext !== undefined ? Promise.resolve(activeContext) : StreamingContext.getOrCreate(first, create!, options);
    }
    if (typeof first !== "function") {
      throw new TypeError("getActiveOrCreate needs a function that creates a StreamingContext");
    }
    return activeContext ?? first();
  }

  /**
   * Spark's `StreamingContext.getOrCreate`: when `directory` holds a checkpoint, rebuilds
   * the pipeline with `create` (today's code, so it may have changed), restores every
   * stateful stream's state and every input's position by name, and resumes after the
   * checkpointed batch: the batches generated but not completed before the crash are
   * generated again with the same content. Otherwise returns `create()` as it is, with
   * its checkpoint directory set to `directory` if it had none. Not started: call
   * `start()`. Rejects with a `CheckpointMismatchError` when today's code cannot take the
   * checkpoint over (it names each problem and the ways out: `named(...)`, a migration,
   * or `discardState`).
   */
  static async getOrCreate(directory: string | URL, create: () => StreamingContext, options: RecoveryOptions = {}): Promise<StreamingContext> {
    if (typeof create !== "function") {
      throw new TypeError(`getOrCreate needs a function that creates a StreamingContext, got ${describeValue(create)}`);
    }
    const path = checkpointPath(directory, "getOrCreate");
    // Today's code builds the graph either way: recovery restores into it by name.
    const ssc = create();
    if (!(ssc instanceof StreamingContext)) {
      throw new TypeError(`getOrCreate's function must return a StreamingContext, got ${describeValue(ssc)}`);
    }
    if (options.store !== undefined) ssc.checkpoint(path, { store: options.store });
    else if (ssc.#checkpointDirectory !== path) ssc.checkpoint(path);
    const found = await findCheckpoint(ssc.#checkpointStore!);
    if (found === undefined) return ssc;
    const queue = ssc.#graph.inputs.find((input) => input instanceof QueueInputDStream);
    if (queue !== undefined) {
      throw new Error(
        `Cannot recover from the checkpoint in ${path}: the pipeline reads a queueStream (${queue.name}), whose batches live only in memory and cannot be recovered. Use a file, socket or broker stream, or start from an empty checkpoint directory`,
      );
    }
    const compatibility: CompatibilityOptions = {
      ...(options.discardState === undefined ? {} : { discardState: options.discardState }),
      ...(options.migrateBatchTime === undefined ? {} : { migrateBatchTime: options.migrateBatchTime }),
      ...(options.migrateWindows === undefined ? {} : { migrateWindows: options.migrateWindows }),
    };
    const parts = ssc.#checkedParts();
    await restoreParts(found, { batchIntervalMs: ssc.batchDuration.milliseconds, windows: ssc.#windows(), parts }, compatibility, ssc.#logger);
    ssc.#recovered = found;
    ssc.#logger.info(`Recovered from checkpoint ${found.location}: resuming after batch ${found.stateTime}`);
    return ssc;
  }

  /**
   * A context built by a module's function, so that `local[n]` runs on n threads: the
   * function `exportName` of `module` (its URL, e.g. `new URL("./job.ts",
   * import.meta.url)`) builds the pipeline and returns its context, not started. With
   * `master: "local[n]"`, n - 1 worker threads each import the same module and call the
   * same function (a closure cannot cross threads; the code can), and never start what
   * it built. Then, at every batch, the map side of each `reduceByKey` or `combineByKey`
   * fed by inputs through `map`, `flatMap`, `filter`, `mapValues`, `flatMapValues`,
   * `mapPartitions`, `glom` and `union` runs on all n threads, partition by partition
   * (with a map-side combine); everything else stays on this thread. Results are the same
   * as on one thread with the same partitions.
   *
   * The function must build the same pipeline at every call (it is compared, stream by
   * stream, with each worker's), and do nothing else: no connection opened, no context
   * started. Input records and combined values cross threads by structured clone: plain
   * data (strings, numbers, arrays, plain objects), not class instances. A worker that
   * fails leaves its partitions to this thread. With `local` or `local[1]`, no worker is
   * started. `ssc.stop()` stops the workers.
   *
   * @example
   * ```ts ignore
   * import { StreamingContext } from "@dstreams/dstreams";
   * // wordcount_job.ts exports: export const createContext = () => { …; return ssc; }
   * const ssc = await StreamingContext.fromModule(new URL("./wordcount_job.ts", import.meta.url));
   * ssc.start();
   * await ssc.awaitTermination();
   * ```
   */
  static async fromModule(module: URL | string, exportName: string = "createContext", options: ModuleOptions = {}): Promise<StreamingContext> {
    const url = moduleURL(module);
    if (typeof exportName !== "string" || exportName.length === 0) {
      throw new TypeError(`fromModule's exportName must name the module's function, got ${describeValue(exportName)}: e.g. "createContext"`);
    }
    const args = options.args ?? [];
    if (!Array.isArray(args)) throw new TypeError(`fromModule's args must be an array, got ${describeValue(args)}`);
    const minBatchRecords = options.minBatchRecords ?? DEFAULT_MIN_PARALLEL_BATCH_RECORDS;
    if (!Number.isSafeInteger(minBatchRecords) || minBatchRecords < 0) {
      throw new RangeError(`fromModule's minBatchRecords must be a whole number of records ≥ 0, got ${describeValue(minBatchRecords)}`);
    }
    const loaded = (await import(url.href)) as Record<string, unknown>;
    const create = loaded[exportName];
    if (typeof create !== "function") {
      const functions = Object.keys(loaded).filter((name) => typeof loaded[name] === "function");
      throw new TypeError(
        `fromModule: ${url.href} has no exported function ${JSON.stringify(exportName)} (its exported functions: ${functions.join(", ") || "none"}): export the function that builds the pipeline and returns its StreamingContext`,
      );
    }
    const build = (): StreamingContext => {
      const ssc: unknown = (create as (...a: ReadonlyArray<unknown>) => unknown)(...args);
      if (!(ssc instanceof StreamingContext)) {
        throw new TypeError(`fromModule: ${url.href}#${exportName} must return a StreamingContext, got ${describeValue(ssc)}`);
      }
      return ssc;
    };
    const ssc = options.checkpoint === undefined ? build() : await StreamingContext.getOrCreate(options.checkpoint, build, options.recovery);
    if (ssc.#state !== "INITIALIZED") {
      throw new Error(`fromModule: ${url.href}#${exportName} must not start its context (it is ${ssc.#state}): return it and call start() on what fromModule returns`);
    }
    if (options.adaptive !== undefined && typeof options.adaptive !== "boolean") {
      throw new TypeError(`fromModule's adaptive must be true or false, got ${describeValue(options.adaptive)}`);
    }
    ssc.#minBatchRecords = minBatchRecords;
    ssc.#adaptive = options.adaptive ?? true;
    const threads = parseMaster(ssc.sparkContext.master);
    if (threads > 1) {
      const job = { module: url.href, exportName, args };
      ssc.#workers = await WorkerPool.start(job, threads - 1, graphSignature(ssc.#graph.outputs), ssc.#logger);
    }
    return ssc;
  }

  get #logger(): Logger {
    return this.sparkContext.logger;
  }

  #reportError(error: Error): void {
    // The message already describes the cause (BatchError and receiver errors include it).
    this.#logger.error(error.message);
    this.#termination.fail(error);
  }

  /** Queues the event on the listener bus, which delivers it asynchronously (see `_listener_bus.ts`). */
  #post(event: (listener: StreamingListener) => void): void {
    this.#listeners.post(event);
  }

  // -------------------------------------------------------------------------------------
  // inputs
  // -------------------------------------------------------------------------------------

  /**
   * A stream fed from a list of batches, one per batch time (or all at once with
   * `oneAtATime: false`); for tests and demos. Add more while running with `enqueue`.
   */
  queueStream<A>(batches: ReadonlyArray<ReadonlyArray<A> | RDD<A>>, options: QueueStreamOptions<A> = {}): QueueDStream<A> {
    return new QueueInputDStream(this.#graph, batches, options);
  }

  /**
   * Lines of UTF-8 text from a TCP server, read by a receiver that reconnects with
   * back-off when the server is down or closes the connection.
   */
  socketTextStream(hostname: string, port: number, options: SocketTextStreamOptions = {}): SocketTextDStream {
    return new SocketTextInputDStream(this.#graph, hostname, port, { ...this.#graph.receiverDefaults, ...options });
  }

  /**
   * Records from a custom {@link Receiver}: started with the context, restarted after a
   * failure, stopped with the context. `maxRate` and `maxBufferedRecords` bound what
   * each batch takes and what waits (defaults: the context's `receiverMaxRate` and
   * `receiverMaxBufferedRecords`).
   */
  receiverStream<T>(receiver: Receiver<T>, options: ReceiverOptions = {}): ReceiverDStream<T> {
    return new ReceiverInputDStream(this.#graph, receiver, { ...this.#graph.receiverDefaults, ...options });
  }

  /**
   * The lines of the files that appear in `directory` (a local directory that must
   * exist), each file read once, in the batch in which it appears. Names starting with
   * `.` or `_` are ignored: write files elsewhere and rename them in. See `fileStream`.
   */
  textFileStream(directory: string | URL, options: FileStreamOptions = {}): FileDStream<string> {
    return new FileInputDStream(this.#graph, directory, textLines, options, "textFileStream");
  }

  /**
   * The records of the files that appear in `directory`, with Spark's rules: a file is
   * read once, in the batch whose time follows its modification time; files already
   * there are skipped unless `newFilesOnly` is `false`; `filter` chooses among the rest.
   * `format` reads a file's bytes (default: UTF-8 lines).
   */
  fileStream(directory: string | URL, options?: FileStreamOptions): FileDStream<string>;
  fileStream<A>(directory: string | URL, options: FileStreamOptions & { readonly format: FileFormat<A> }): FileDStream<A>;
  fileStream<A>(directory: string | URL, options: FileStreamOptions & { readonly format?: FileFormat<A> } = {}): FileDStream<A | string> {
    const { format, ...rest } = options ?? {};
    return new FileInputDStream<A | string>(this.#graph, directory, format ?? textLines, rest, "fileStream");
  }

  /**
   * The fixed-length records (`recordLength` bytes each, as `Uint8Array`s) of the files
   * that appear in `directory`; a file whose size is not a multiple is reported.
   */
  binaryRecordsStream(directory: string | URL, recordLength: number, options: FileStreamOptions = {}): FileDStream<Uint8Array> {
    const format = fixedLength(recordLength, "binaryRecordsStream");
    return new FileInputDStream(this.#graph, directory, format, options, "binaryRecordsStream");
  }

  // -------------------------------------------------------------------------------------
  // several streams
  // -------------------------------------------------------------------------------------

  /** The records of every stream, batch by batch (Spark's `StreamingContext.union`). */
  union<A>(streams: ReadonlyArray<DStream<A>>): DStream<A> {
    return unionAll(streams);
  }

  /**
   * Runs `f` on the RDDs of every stream at each batch time and uses the RDD it returns
   * (Spark's `StreamingContext.transform`).
   */
  transform<B>(streams: ReadonlyArray<DStream<unknown>>, f: (rdds: ReadonlyArray<RDD<unknown>>, time: Time) => RDD<B>): DStream<B> {
    return transformAll(streams, f);
  }

  // -------------------------------------------------------------------------------------
  // lifecycle
  // -------------------------------------------------------------------------------------

  getState(): StreamingContextState {
    return this.#state;
  }

  /**
   * Spark's `ssc.checkpoint(directory)`: after every batch, the context writes a checkpoint
   * there (every input's position each batch; the state of every stateful stream every 10 s,
   * or as set with `checkpoint(interval)`), and receivers log what they receive first
   * (a write-ahead log), so `StreamingContext.getOrCreate(directory, create)` can resume
   * after a crash. Set before `start()`.
   */
  checkpoint(directory: string | URL, options: CheckpointOptions = {}): void {
    const path = checkpointPath(directory, "checkpoint");
    this.#graph.assertBuildable();
    const fsync = options.writeAheadLogFsync;
    if (fsync !== undefined && fsync !== "block" && (!Number.isSafeInteger(fsync) || fsync < 1)) {
      throw new RangeError(`checkpoint's writeAheadLogFsync must be "block" or a whole number of milliseconds ≥ 1, got ${describeValue(fsync)}`);
    }
    this.#checkpointDirectory = path;
    this.#walFsync = fsync ?? "block";
    this.#checkpointStore = options.store ?? directoryCheckpointStore(path, { logger: this.#logger });
  }

  /** Every part of the graph a checkpoint keeps, each with a unique name; throws for a name two share. */
  #checkedParts(): ReadonlyArray<Recoverable<unknown>> {
    const parts = this.#graph.recoverables;
    const seen = new Map<string, string>();
    for (const part of parts) {
      const name = part.name;
      const other = seen.get(name);
      if (other !== undefined) {
        throw new Error(
          `Two streams would be checkpointed under the same name ${JSON.stringify(name)} (a ${other} and a ${part.kind}): give each its own name with named("…") so that recovery finds its state`,
        );
      }
      seen.set(name, part.kind);
    }
    return parts;
  }

  /** The windows of the graph, as a checkpoint records them. */
  #windows(): ReadonlyArray<WindowShape> {
    const windows: WindowShape[] = [];
    const seen = new Set<DStreamNode<unknown>>();
    const visit = (node: DStreamNode<unknown>): void => {
      if (seen.has(node)) return;
      seen.add(node);
      const length = (node as { readonly windowDuration?: unknown }).windowDuration;
      if (length instanceof Duration) windows.push({ name: node.checkpointName, lengthMs: length.milliseconds, slideMs: node.slideDuration.milliseconds });
      for (const parent of node.parents) visit(parent);
    };
    for (const output of this.#graph.outputs) visit(output.stream);
    return windows;
  }

  /** How often state is checkpointed: the shortest interval its stateful streams ask for. */
  #stateIntervalMs(): number {
    const batch = this.batchDuration.milliseconds;
    let interval: number | undefined;
    const seen = new Set<DStreamNode<unknown>>();
    const visit = (node: DStreamNode<unknown>): void => {
      if (seen.has(node)) return;
      seen.add(node);
      if (node.keepsState) {
        const wanted = node.checkpointDuration?.milliseconds ?? defaultStateIntervalMs(node.slideDuration.milliseconds);
        interval = Math.min(interval ?? wanted, wanted);
      }
      for (const parent of node.parents) visit(parent);
    };
    for (const output of this.#graph.outputs) visit(output.stream);
    return interval === undefined ? batch : batch * Math.max(1, Math.round(interval / batch));
  }

  /** Keeps every stream's RDDs for at least `duration` (for `slice` and inspection). */
  remember(duration: Duration): void {
    if (!(duration instanceof Duration) || duration.milliseconds <= 0) {
      throw new TypeError(`remember's duration must be a positive Duration such as Seconds(60), got ${describeValue(duration)}`);
    }
    if (this.#rememberDuration !== undefined) {
      throw new Error(`Remember duration already set as ${this.#rememberDuration}. Cannot set it again.`);
    }
    this.#graph.assertBuildable();
    this.#rememberDuration = duration;
  }

  /**
   * Registers a listener. Its events are queued and delivered asynchronously, in order;
   * a listener that returns a promise gets its next event once it settles. At most 10000
   * events wait for a listener: beyond that they are dropped, counted and warned about.
   */
  addStreamingListener(listener: StreamingListener): void {
    this.#listeners.add(listener);
  }

  removeStreamingListener(listener: StreamingListener): void {
    this.#listeners.remove(listener);
  }

  /** Starts receiving and processing. Batches fall at multiples of the batch interval. */
  start(): void {
    if (this.#state === "ACTIVE") {
      this.#logger.warn("StreamingContext has already been started");
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
    const graph = this.#graph;
    try {
      if (this.sparkContext.isStopped) {
        throw new Error("Cannot start a StreamingContext whose SparkContext was stopped: create a new SparkContext and StreamingContext");
      }
      if (graph.outputs.length === 0) {
        throw new Error("No output operations registered, so nothing to execute: add an output such as pprint() or foreachRDD() before start()");
      }
      const now = this.clock.now();
      const batch = this.batchDuration.milliseconds;
      const recovered = this.#recovered;
      const zeroTime = recovered?.zeroTime ?? new Time(Math.floor(now / batch) * batch);
      const nodes = prepareGraph(graph.outputs, graph.inputs, zeroTime, this.#rememberDuration);
      const store = this.#checkpointStore;
      if (store !== undefined) {
        const queue = graph.inputs.find((input) => input instanceof QueueInputDStream);
        if (queue !== undefined) {
          throw new Error(
            `queueStream (${queue.name}) does not support checkpointing: its batches live only in memory and cannot be recovered. Don't use queueStream when ssc.checkpoint(directory) is set: use a file, socket or broker stream`,
          );
        }
      }
      const parts = store === undefined ? graph.recoverables : this.#checkedParts();
      const checkpointer = store === undefined && !parts.some((part) => part.commit !== undefined) ? undefined : new Checkpointer({
        store,
        parts,
        zeroTime,
        batchIntervalMs: batch,
        stateIntervalMs: this.#stateIntervalMs(),
        windows: store === undefined ? [] : this.#windows(),
        stateTime: recovered?.stateTime ?? zeroTime,
        completedTime: recovered?.batchTime,
        logger: this.#logger,
        reportError: (error) => this.#reportError(error),
      });
      this.#checkpointer = checkpointer;
      const workers = this.#workers;
      const mapSide = workers === undefined ? undefined : new WorkerMapSide(workers, {
        zeroTime,
        minBatchRecords: this.#minBatchRecords,
        adaptive: this.#adaptive,
        reportMetrics: (node, time, counts) => graph.reportBatchMetrics(node, time, counts),
      });
      if (mapSide !== undefined) for (const node of mapSideNodes(graph.outputs)) node.runMapSideWith(mapSide);
      const listeners = this.#listeners;
      const scheduler = new JobScheduler({
        clock: this.clock,
        batchDuration: this.batchDuration,
        logger: this.#logger,
        inputs: graph.inputs,
        outputs: graph.outputs,
        maxPendingBatches: this.#maxPendingBatches,
        get listening() {
          return listeners.size > 0;
        },
        post: (event) => this.#post(event),
        reportError: (error) => this.#reportError(error),
        afterBatch: checkpointer === undefined ? undefined : (time: Time, pending: ReadonlyArray<number>) => checkpointer.afterBatch(time, pending),
        afterGenerate: store === undefined ? undefined : (time: Time) => checkpointer?.afterGenerate(time),
        beforeOutputs: store === undefined ? undefined : (time: Time) => checkpointer?.recorded(time) ?? Promise.resolve(),
        prepareBatch: mapSide === undefined ? undefined : (time: Time) => mapSide.prepare(time),
        get checkpointBusy() {
          return checkpointer?.busy ?? false;
        },
        checkpointsDrained: () => checkpointer?.drained() ?? Promise.resolve(),
      }, nodes);
      this.#scheduler = scheduler;
      if (isManualClock(this.clock)) this.#releaseClock = this.clock.drive(scheduler);
      for (const input of graph.inputs) input.start();
      scheduler.start(zeroTime, recovered === undefined ? undefined : { stateTime: recovered.stateTime, completedTime: recovered.batchTime });
    } catch (error) {
      this.#state = "STOPPED";
      this.#shutDown(false, false).catch(() => {});
      throw error;
    }
    this.#state = "ACTIVE";
    this.#startedAt = new Date();
    activeContext = this;
    const time = this.clock.now();
    this.#post((l) => l.onStreamingStarted?.({ time }));
  }

  /**
   * Stops the context: no more batches. Callable many times. The state is STOPPED as
   * soon as this returns, and another context may start; the promise resolves once every
   * input and batch has ended. Called from an output's code (before or after an
   * `await` in it), it resolves once everything but the batch running the call has
   * ended, so `await ssc.stop()` there does not wait for itself; `awaitTermination()`
   * also waits for that batch.
   */
  stop(options: StopOptions = {}): Promise<void> {
    const { stopSparkContext = true, stopGracefully = false } = options;
    if (this.#state === "INITIALIZED") {
      this.#logger.warn("StreamingContext has not been started yet");
      this.#state = "STOPPED";
      if (this.#workers !== undefined) this.#stopping = this.#workers.terminate();
    } else if (this.#state === "STOPPED") {
      this.#logger.warn("StreamingContext has already been stopped");
    } else {
      this.#state = "STOPPED";
      if (activeContext === this) activeContext = undefined;
      const fromBatch = this.#scheduler?.calledFromBatch ?? false;
      this.#stopping = this.#shutDown(stopGracefully, fromBatch);
    }
    if (stopSparkContext) this.sparkContext.stop();
    return this.#stopping ?? (this.#termination.resolveAll(), Promise.resolve());
  }

  /**
   * Stops inputs and scheduler. `fromBatch`: called by the running batch, which ends
   * only after this resolves; `#ended` settles once it has.
   */
  async #shutDown(graceful: boolean, fromBatch: boolean): Promise<void> {
    const scheduler = this.#scheduler;
    const inputs = this.#graph.inputs;
    const finish = () => {
      this.#releaseClock?.();
      if (activeContext === this) activeContext = undefined;
      this.#termination.resolveAll();
    };
    let ended: Promise<void> | undefined;
    try {
      if (graceful) {
        await Promise.all(inputs.map((input) => input.stop()));
        await scheduler?.stop(true, 10 * this.batchDuration.milliseconds, fromBatch);
      } else {
        await scheduler?.stop(false, 0, fromBatch);
        await Promise.all(inputs.map((input) => input.stop()));
      }
      if (fromBatch && scheduler !== undefined) ended = scheduler.ended();
      // Once no batch runs any more (the one that called stop() may still read its results).
      const workers = this.#workers;
      if (workers !== undefined) {
        if (ended === undefined) await workers.terminate();
        else ended = ended.then(() => workers.terminate());
      }
    } finally {
      if (ended === undefined) {
        finish();
        this.#ended = Promise.resolve();
      } else {
        this.#ended = ended.then(finish, finish);
      }
    }
  }

  /**
   * Resolves when the context stops; rejects with the first error reported after the
   * call (or the latest one reported before it). With a timeout (a `Duration` or
   * milliseconds), also resolves once that much time has passed, as PySpark's
   * `awaitTermination(timeout)` returns.
   */
  awaitTermination(timeout?: Duration | number): Promise<void> {
    if (timeout !== undefined) return this.awaitTerminationOrTimeout(timeout).then(() => {});
    const error = this.#termination.error;
    if (error !== undefined) return Promise.reject(error);
    if (this.#state === "STOPPED" && this.#stopping === undefined) return Promise.resolve();
    const ended = this.#termination.wait();
    if (this.#state === "STOPPED") {
      void this.#stopping?.then(() => this.#ended, () => this.#ended).then(() => this.#termination.resolveAll());
    }
    return ended;
  }

  /** `true` if the context stopped within `timeout` (a `Duration` or milliseconds), `false` if not. */
  awaitTerminationOrTimeout(timeout: Duration | number): Promise<boolean> {
    const ms = timeoutMilliseconds(timeout, "awaitTerminationOrTimeout");
    return Termination.withTimeout(this.awaitTermination(), ms);
  }
}
