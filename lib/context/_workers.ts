/**
 * `local[n]` on n cores: n - 1 worker threads beside the driver's, each running the
 * user's pipeline module (`StreamingContext.fromModule`), so that no closure crosses a
 * thread. For each batch, the map side of the keyed steps fed by inputs through narrow
 * stateless steps (`WorkerMapSide`) is split by partition between the driver and the
 * workers: a worker gets its partitions' input records, runs the same narrow steps and
 * the map-side combine with its own copy of the user's functions, and sends back one
 * combiner per key and partition; the driver merges them in partition order.
 *
 * Batches with fewer input records than `minBatchRecords` never use the workers: they
 * take the node's own single pass, as `local[1]` does. From there on the map side is
 * combined per partition wherever it runs (workers, the driver alone when the adaptive
 * choice says so, the driver after a worker died), so a result depends on the batch's
 * record count, never on timing or a worker's health. A worker whose
 * task fails (a user function threw, a record that cannot be copied, a dead worker)
 * leaves its partitions to the driver, which computes them again when the batch reads
 * them: a user function's error is then thrown there, exactly as on one thread.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import process from "node:process";
import { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import type { CombinedByKeyDStream, DStreamNode, MapSideExecutor } from "../dstream/_node.ts";
import type { InputDStream, ShippedPartition } from "../dstream/_input.ts";
import type { Logger } from "../dstream/_graph.ts";
import { describeError } from "../_describe.ts";
import { combineAllPartitions, combinePartition, type MapOutput, partitionSources, signatureDifference } from "./_map_side.ts";

/** What a worker thread builds: `module`'s export `exportName`, called with `args`. */
export interface WorkerJob {
  /** The module's URL (`file:`). */
  readonly module: string;
  readonly exportName: string;
  readonly args: ReadonlyArray<unknown>;
}

/** Driver → worker: compute `partitions` of node `node`'s map side at `time`. */
export interface TaskMessage {
  readonly type: "task";
  readonly id: number;
  readonly time: number;
  readonly zeroTime: number;
  /** Per input: its id, its partition count, and the partitions this task needs. */
  readonly inputs: ReadonlyArray<readonly [number, number, ReadonlyArray<readonly [number, ShippedPartition]>]>;
  readonly node: number;
  readonly partitions: ReadonlyArray<number>;
}

/** Worker → driver. */
export type WorkerMessage =
  | { readonly type: "ready"; readonly signature: ReadonlyArray<string> }
  | { readonly type: "loadFailed"; readonly message: string }
  | { readonly type: "done"; readonly id: number; readonly outputs: ReadonlyArray<MapOutput<unknown, unknown>> }
  | { readonly type: "failed"; readonly id: number; readonly message: string };

/** How the worker's entry file is named next to this one: `.ts` from the sources, `.js` from dist/. */
const workerEntry = (): URL => {
  const extension = /\.[cm]?[jt]s$/.exec(new URL(import.meta.url).pathname)?.[0] ?? ".js";
  return new URL(`./_worker_main${extension}`, import.meta.url);
};

const isDeno = (): boolean => (globalThis as { Deno?: unknown }).Deno !== undefined;

/** True for Node versions whose tsx loader registers itself in worker threads too (tsx's own test). */
const tsxRegistersInWorkers = (): boolean => {
  const [major = 0, minor = 0, patch = 0] = process.versions.node.split(".").map(Number);
  const atLeast = (a: number, b: number, c: number) => minor > b || (minor === b && patch >= c) || major > a;
  if (major >= 26) return true;
  if (major === 25) return atLeast(25, 1, 0);
  if (major === 24) return atLeast(24, 11, 1);
  if (major === 23) return false;
  if (major === 22) return atLeast(22, 22, 3);
  return false;
};

/**
 * A worker thread running `entry`. Workers inherit the parent's `execArgv`, so a
 * TypeScript loader given with `--import` (tap's, bench/loader) loads `.ts` there too;
 * tsx registers its hooks on the main thread only on older Node, so under tsx a small
 * bootstrap registers them in the worker before importing the entry.
 */
const spawnWorker = (job: WorkerJob): Worker => {
  const entry = workerEntry();
  const tsxLoader = process.execArgv.find((arg) => /[\\/]tsx[\\/]dist[\\/]loader\.mjs$/.test(arg));
  if (!isDeno() && entry.pathname.endsWith(".ts") && tsxLoader !== undefined && !tsxRegistersInWorkers()) {
    const api = new URL("./esm/api/index.mjs", tsxLoader.startsWith("file:") ? tsxLoader : `file://${tsxLoader}`).href;
    const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
    return new Worker(bootstrap, { eval: true, workerData: job });
  }
  return new Worker(entry, { workerData: job });
};

/** One task in flight on a worker: settles with the map outputs, or `undefined` when it failed. */
interface Pending {
  readonly resolve: (outputs: ReadonlyArray<MapOutput<unknown, unknown>> | undefined) => void;
}

/** One worker thread and the tasks it was sent. */
class PooledWorker {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  alive = true;

  constructor(worker: Worker) {
    this.worker = worker;
    // Idle workers do not keep the process alive; one with a task in flight does.
    worker.unref();
  }

  settle(id: number, outputs: ReadonlyArray<MapOutput<unknown, unknown>> | undefined): void {
    const task = this.pending.get(id);
    if (task === undefined) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    task.resolve(outputs);
  }

  /** The thread is gone: its tasks fail (the driver computes their partitions). */
  lost(): void {
    this.alive = false;
    for (const id of [...this.pending.keys()]) this.settle(id, undefined);
  }
}

/** The worker threads of one context. */
export class WorkerPool {
  readonly job: WorkerJob;
  readonly #workers: ReadonlyArray<PooledWorker>;
  readonly #logger: Logger;
  #nextTaskId = 0;
  #terminating: Promise<void> | undefined;

  private constructor(job: WorkerJob, workers: ReadonlyArray<PooledWorker>, logger: Logger) {
    this.job = job;
    this.#workers = workers;
    this.#logger = logger;
    workers.forEach((pooled, i) => {
      pooled.worker.on("message", (message: WorkerMessage) => {
        if (message.type === "done") pooled.settle(message.id, message.outputs);
        else if (message.type === "failed") pooled.settle(message.id, undefined);
      });
      const lost = (why: string) => {
        if (!pooled.alive || this.#terminating !== undefined) return;
        this.#logger.warn(
          `Worker thread ${i + 1} running ${this.describeJob()} stopped (${why}): its partitions run on the driver thread from now on`,
        );
        pooled.lost();
      };
      pooled.worker.on("error", (error: unknown) => lost(describeError(error)));
      pooled.worker.on("exit", (code: number) => lost(`exit code ${code}`));
    });
  }

  /** `module#exportName`, as errors name the job. */
  describeJob(): string {
    return `${this.job.module}#${this.job.exportName}`;
  }

  /**
   * Starts `count` workers and waits until each has built the pipeline and found it equal
   * to the driver's (`signature`); rejects with what went wrong otherwise, the workers
   * then stopped.
   */
  static async start(job: WorkerJob, count: number, signature: ReadonlyArray<string>, logger: Logger): Promise<WorkerPool> {
    const described = `${job.module}#${job.exportName}`;
    const workers: PooledWorker[] = [];
    const ready = (worker: Worker, index: number): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const fail = (why: string) => {
          cleanup();
          reject(new Error(`local[n]: worker thread ${index + 1} could not build the pipeline from ${described}: ${why}`));
        };
        const onMessage = (message: WorkerMessage) => {
          if (message.type === "loadFailed") return fail(message.message);
          if (message.type !== "ready") return;
          const difference = signatureDifference(signature, message.signature);
          if (difference !== undefined) {
            return fail(
              `its pipeline differs from the driver's (${difference}): the function must build the same pipeline each time it is called (no randomness, no state kept between calls)`,
            );
          }
          cleanup();
          resolve();
        };
        const onError = (error: unknown) => fail(describeError(error));
        const onExit = (code: number) => fail(`the thread exited (code ${code}) before it was ready`);
        const cleanup = () => {
          worker.off("message", onMessage);
          worker.off("error", onError);
          worker.off("exit", onExit);
        };
        worker.on("message", onMessage);
        worker.on("error", onError);
        worker.on("exit", onExit);
      });
    try {
      const readies: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const worker = spawnWorker(job);
        // Referenced until ready: a process waiting only for its workers to load stays up.
        readies.push(ready(worker, i));
        workers.push(new PooledWorker(worker));
        worker.ref();
      }
      await Promise.all(readies);
      for (const pooled of workers) pooled.worker.unref();
    } catch (error) {
      await Promise.all(workers.map((pooled) => pooled.worker.terminate()));
      throw error;
    }
    return new WorkerPool(job, workers, logger);
  }

  /** The workers still running. */
  get liveWorkers(): number {
    let n = 0;
    for (const pooled of this.#workers) if (pooled.alive) n++;
    return n;
  }

  /**
   * Sends `task` (without its id) to the `index`-th live worker; resolves with its map
   * outputs, or `undefined` when it failed (or cannot be sent: records that cannot be
   * copied to another thread).
   */
  run(index: number, task: Omit<TaskMessage, "id" | "type">): Promise<ReadonlyArray<MapOutput<unknown, unknown>> | undefined> {
    const pooled = this.#workers.filter((w) => w.alive)[index];
    if (pooled === undefined || this.#terminating !== undefined) return Promise.resolve(undefined);
    const id = this.#nextTaskId++;
    const message: TaskMessage = { type: "task", id, ...task };
    return new Promise((resolve) => {
      if (pooled.pending.size === 0) pooled.worker.ref();
      pooled.pending.set(id, { resolve });
      try {
        pooled.worker.postMessage(message);
      } catch (error) {
        this.#warnOnce(`Records of a batch could not be copied to a worker thread (${describeError(error)}): such batches run on the driver thread`);
        pooled.settle(id, undefined);
      }
    });
  }

  #warned = new Set<string>();

  #warnOnce(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.#logger.warn(message);
  }

  /** Stops every worker; their tasks in flight fail. */
  terminate(): Promise<void> {
    this.#terminating ??= Promise.all(this.#workers.map(async (pooled) => {
      pooled.lost();
      await pooled.worker.terminate();
    })).then(() => {});
    return this.#terminating;
  }
}

const NO_RECORDS: ShippedPartition = { count: 0, pieces: [] };

/** The map side of one keyed node at one batch time, split between the driver and the workers. */
class MapSidePlan {
  readonly #node: CombinedByKeyDStream<unknown, unknown, unknown>;
  readonly #parent: RDD<readonly [unknown, unknown]>;
  /** Per partition of the parent: its map output once computed (here or on a worker). */
  readonly #outputs: Array<MapOutput<unknown, unknown> | undefined>;
  readonly #driverPartitions: ReadonlyArray<number>;
  readonly #tasks: Array<Promise<void>> = [];
  #settled = 0;
  /** Told how long the map side took, from sending the workers their records to the last answer. */
  readonly #timed: (ms: number) => void;
  /** Told how long the driver took for its own partitions, and how many records they held. */
  readonly #driverTimed: (ms: number, records: number) => void;
  readonly #driverRecords: number;
  /** Time spent sending the workers their records (at generation). */
  dispatchMs = 0;

  constructor(
    node: CombinedByKeyDStream<unknown, unknown, unknown>,
    parent: RDD<readonly [unknown, unknown]>,
    driverPartitions: ReadonlyArray<number>,
    driverRecords: number,
    timed: (ms: number) => void,
    driverTimed: (ms: number, records: number) => void,
  ) {
    this.#node = node;
    this.#parent = parent;
    this.#outputs = new Array(parent.numPartitions);
    this.#driverPartitions = driverPartitions;
    this.#timed = timed;
    this.#driverRecords = driverRecords;
    this.#driverTimed = driverTimed;
  }

  /** Records what a worker sends back for `partitions` (nothing when it failed). */
  awaitWorker(partitions: ReadonlyArray<number>, outputs: Promise<ReadonlyArray<MapOutput<unknown, unknown>> | undefined>): void {
    this.#tasks.push(outputs.then((received) => {
      this.#settled++;
      if (received === undefined || received.length !== partitions.length) return;
      for (let i = 0; i < partitions.length; i++) this.#outputs[partitions[i]!] = received[i]!;
    }));
  }

  /**
   * Before the batch's outputs run: the driver computes its own partitions while the
   * workers compute theirs; resolves once every worker answered (`undefined` when all did).
   */
  prepare(): Promise<void> | undefined {
    const node = this.#node;
    const start = performance.now();
    const timed = () => this.#timed(this.dispatchMs + performance.now() - start);
    let failed = false;
    for (const p of this.#driverPartitions) {
      try {
        this.#outputs[p] = combinePartition(this.#parent, p, node.combineFunctions, node.name);
      } catch {
        // Thrown again, in partition order, when the batch reads the result.
        failed = true;
      }
    }
    if (!failed) this.#driverTimed(performance.now() - start, this.#driverRecords);
    if (this.#settled === this.#tasks.length) return void timed();
    return Promise.all(this.#tasks).then(timed);
  }

  /** Every partition's map output, in order; one not computed yet is computed here (and may throw the user's error). */
  outputs(): ReadonlyArray<MapOutput<unknown, unknown>> {
    const node = this.#node;
    const all: Array<MapOutput<unknown, unknown>> = new Array(this.#outputs.length);
    for (let p = 0; p < all.length; p++) {
      all[p] = this.#outputs[p] ?? combinePartition(this.#parent, p, node.combineFunctions, node.name);
    }
    // Read once: let go of the parts.
    this.#outputs.fill(undefined);
    return all;
  }
}

/** Options of {@link WorkerMapSide}. */
export interface WorkerMapSideOptions {
  readonly zeroTime: Time;
  /** Batches with fewer input records run on the driver thread. */
  readonly minBatchRecords: number;
  /** Measure which is faster, the workers or the driver alone, and use that (see {@link WorkerMapSide}); else always the workers. */
  readonly adaptive: boolean;
  /** Reports how many partitions ran on workers, per node and batch (`BatchInfo.metrics`). */
  readonly reportMetrics: (node: DStreamNode<unknown>, time: Time, counts: Readonly<Record<string, number>>) => void;
}

/** While the driver alone is faster: how often a batch runs on the workers, to measure them again. */
const REMEASURE_EVERY = 16;
/** While the workers are faster: how often a batch runs on the driver alone, measured whole. */
const REMEASURE_ALONE_EVERY = 64;

/**
 * Milliseconds per input record of a map side done one way: the mean of the batches
 * measured, then a moving average (the latest counting for a quarter). The first batch
 * is not counted: its code is cold (a worker's always is, at its first task). A way
 * measured again after batches that did not measure it (a remeasure) starts over from
 * the new batch: the old figure describes the machine as it was, and averaging it in
 * would keep a batch that ran slow by chance deciding for many remeasures.
 */
export class Cost {
  #msPerRecord: number | undefined;
  #first = true;
  #samples = 0;
  /** The eligible batch (from 0) of the latest sample. */
  #lastBatch = -1;

  get known(): boolean {
    return this.#msPerRecord !== undefined;
  }

  get value(): number {
    return this.#msPerRecord ?? Number.POSITIVE_INFINITY;
  }

  /** Counts `ms` over `records` for the `batch`th eligible batch. */
  add(ms: number, records: number, batch: number): void {
    if (records <= 0) return;
    const resumed = batch > this.#lastBatch + 1;
    this.#lastBatch = batch;
    if (this.#first) {
      this.#first = false;
      return;
    }
    const sample = ms / records;
    if (this.#msPerRecord === undefined || resumed) {
      this.#msPerRecord = sample;
      this.#samples = 1;
      return;
    }
    this.#samples++;
    this.#msPerRecord += Math.max(1 / this.#samples, 0.25) * (sample - this.#msPerRecord);
  }
}

/**
 * Whether the `n`th eligible batch (from 0) runs on the workers: until the workers' way
 * is measured, yes (each such batch measures the driver alone too: its own share of the
 * partitions, per record); then the faster way. While the driver alone is faster, every
 * {@link REMEASURE_EVERY}th batch runs on the workers, to see whether they pay again;
 * while the workers are, the driver is measured by its share of every batch, and only
 * every {@link REMEASURE_ALONE_EVERY}th runs alone, measured whole.
 */
export const workersPay = (n: number, onWorkers: Cost, alone: Cost): boolean => {
  if (!onWorkers.known) return true;
  if (onWorkers.value < alone.value) return n % REMEASURE_ALONE_EVERY !== REMEASURE_ALONE_EVERY - 1;
  return n % REMEASURE_EVERY === REMEASURE_EVERY - 1;
};

/**
 * The executor set on the keyed nodes that can run on workers (see the module comment).
 *
 * Adaptive (the default): whether workers pay depends on the machine (other processes
 * may hold the cores; Linux's autogroup scheduling shares CPU per session, not per
 * thread), so the time per input record is measured both ways, on the workers (sending
 * the records to the last answer) and on the driver alone (its share of a workers'
 * batch, or a whole batch), and each batch takes the faster (see {@link workersPay}).
 * The results are the same either way.
 */
export class WorkerMapSide implements MapSideExecutor {
  readonly #pool: WorkerPool;
  readonly #options: WorkerMapSideOptions;
  readonly #onWorkers = new Cost();
  readonly #alone = new Cost();
  #eligibleBatches = 0;
  /** Plans dispatched when their batch was generated, prepared before its outputs run. */
  readonly #plans = new Map<number, MapSidePlan[]>();

  constructor(pool: WorkerPool, options: WorkerMapSideOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  combine<K, V, C>(node: CombinedByKeyDStream<K, V, C>, parent: RDD<readonly [K, V]>, time: Time): RDD<readonly [K, C]> | undefined {
    const keyed = node as unknown as CombinedByKeyDStream<unknown, unknown, unknown>;
    const plan = this.#plan(keyed, parent as RDD<readonly [unknown, unknown]>, time);
    if (plan === "single pass") return undefined;
    const records = plan === "alone" ? this.#inputRecords(keyed, time) : 0;
    const batch = this.#eligibleBatches - 1;
    if (typeof plan === "object") {
      const outputs = () => plan.outputs() as ReadonlyArray<MapOutput<K, C>>;
      return RDD.fromMapOutputs(parent, node.numPartitions, outputs, node.combineFunctions.mergeCombiners, node.name);
    }
    // On the driver alone: the combiners the workers' way gives, in one pass.
    return RDD.fromMergedMapSide(parent, node.numPartitions, () => {
      const start = plan === "alone" ? performance.now() : 0;
      const merged = combineAllPartitions(parent, node.combineFunctions, node.name);
      if (plan === "alone") this.#alone.add(performance.now() - start, records, batch);
      return merged;
    });
  }

  /** The records of the inputs `node` reads, in the batch at `time`. */
  #inputRecords(node: CombinedByKeyDStream<unknown, unknown, unknown>, time: Time): number {
    const inputs = new Set(partitionSources(node.parents[0]!, time).map(([input]) => input));
    let records = 0;
    for (const input of inputs) records += input.recordsAt(time);
    return records;
  }

  /** True when the next eligible batch should run on the workers (see the class comment). */
  #workersPay(): boolean {
    if (!this.#options.adaptive) return true;
    return workersPay(this.#eligibleBatches++, this.#onWorkers, this.#alone);
  }

  /**
   * Splits the node's partitions between the driver and the workers, and sends the
   * workers theirs. Otherwise all on the driver: `"single pass"` for a batch that could
   * not use the workers whatever the machine (one partition, or fewer records than
   * `minBatchRecords`), computed as one thread computes it; else per partition, as the
   * workers would, `"alone"` when the workers could have taken it (its time is
   * measured), `undefined` when none is alive or the partitions do not map to inputs.
   */
  #plan(node: CombinedByKeyDStream<unknown, unknown, unknown>, parent: RDD<readonly [unknown, unknown]>, time: Time): MapSidePlan | "alone" | "single pass" | undefined {
    const partitions = parent.numPartitions;
    const report = (onWorkers: number) => this.#options.reportMetrics(node as DStreamNode<unknown>, time, { partitionsOnWorkers: onWorkers });
    if (partitions < 2) {
      report(0);
      return "single pass";
    }
    const sources = partitionSources(node.parents[0]!, time);
    if (sources.length !== partitions) return void report(0);
    const inputs = new Set(sources.map(([input]) => input));
    let records = 0;
    for (const input of inputs) records += input.recordsAt(time);
    if (records < this.#options.minBatchRecords) {
      report(0);
      return "single pass";
    }
    const workers = this.#pool.liveWorkers;
    if (workers === 0) return void report(0);
    if (!this.#workersPay()) {
      report(0);
      return "alone";
    }
    const batch = this.#eligibleBatches - 1;
    const dispatchStart = performance.now();
    // The inputs' partitions as the workers are sent them (packed lines stay text).
    const parts = new Map<InputDStream<unknown>, ReadonlyArray<ShippedPartition>>();
    for (const input of inputs) parts.set(input, input.shippedPartitions(time));
    const sizes = sources.map(([input, p]) => parts.get(input)![p]?.count ?? 0);
    const ranges = contiguousShares(sizes, workers + 1);
    let driverRecords = 0;
    for (const p of ranges[0]!) driverRecords += sizes[p]!;
    const plan = new MapSidePlan(
      node,
      parent,
      ranges[0]!,
      driverRecords,
      (ms) => this.#onWorkers.add(ms, records, batch),
      (ms, share) => this.#alone.add(ms, share, batch),
    );
    let onWorkers = 0;
    for (let w = 1; w < ranges.length; w++) {
      const range = ranges[w]!;
      if (range.length === 0) continue;
      const needed = new Map<InputDStream<unknown>, Array<readonly [number, ShippedPartition]>>();
      for (const p of range) {
        const [input, q] = sources[p]!;
        let list = needed.get(input);
        if (list === undefined) needed.set(input, list = []);
        if (!list.some(([seen]) => seen === q)) list.push([q, parts.get(input)![q] ?? NO_RECORDS]);
      }
      const taskInputs = [...needed].map(([input, list]) => [input.id, parts.get(input)!.length, list] as const);
      const task = { time: time.milliseconds, zeroTime: this.#options.zeroTime.milliseconds, inputs: taskInputs, node: node.id, partitions: range };
      plan.awaitWorker(range, this.#pool.run(w - 1, task));
      onWorkers += range.length;
    }
    report(onWorkers);
    plan.dispatchMs = performance.now() - dispatchStart;
    let plans = this.#plans.get(time.milliseconds);
    if (plans === undefined) this.#plans.set(time.milliseconds, plans = []);
    plans.push(plan);
    return plan;
  }

  /** Before the outputs of the batch at `time`: see {@link MapSidePlan.prepare}; `undefined` when nothing is to wait for. */
  prepare(time: Time): Promise<void> | undefined {
    const plans = this.#plans.get(time.milliseconds);
    if (plans === undefined) return undefined;
    this.#plans.delete(time.milliseconds);
    let waiting: Promise<void>[] | undefined;
    for (const plan of plans) {
      const pending = plan.prepare();
      if (pending !== undefined) (waiting ??= []).push(pending);
    }
    return waiting === undefined ? undefined : Promise.all(waiting).then(() => {});
  }

  forget(_node: DStreamNode<unknown>, time: Time): void {
    for (const t of this.#plans.keys()) if (t <= time.milliseconds) this.#plans.delete(t);
  }
}

/**
 * Splits partitions `0..n-1` (of the given sizes) into `threads` contiguous ranges of
 * about equal records, the driver's first.
 */
export const contiguousShares = (sizes: ReadonlyArray<number>, threads: number): number[][] => {
  const total = sizes.reduce((a, b) => a + b, 0);
  const ranges: number[][] = Array.from({ length: threads }, () => []);
  let sum = 0;
  let thread = 0;
  for (let p = 0; p < sizes.length; p++) {
    // The next range starts once this one holds its share (and each partition goes somewhere).
    while (thread < threads - 1 && sum >= ((thread + 1) * total) / threads && ranges[thread]!.length > 0) thread++;
    ranges[thread]!.push(p);
    sum += sizes[p]!;
  }
  return ranges;
};

