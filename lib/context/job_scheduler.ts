/**
 * The job generator and scheduler of one StreamingContext: a timer that generates a
 * batch at every batch time, and a loop that runs the batches one at a time, in
 * order. A batch that runs long delays the next ones; none is skipped or merged.
 *
 * @module
 */
import type { Clock, DrivenByClock } from "../time/clock.ts";
import { type Duration, Time } from "../time/duration.ts";
import type { RDD } from "../rdd/rdd.ts";
import type { DStreamNode } from "../dstream/_node.ts";
import type { InputDStream } from "../dstream/_input.ts";
import type { Logger } from "../dstream/_graph.ts";
import type { BatchInfo, OutputOperationInfo, StreamingListener } from "./listener.ts";
import { describeError } from "../_describe.ts";
import { UserFunctionError } from "../rdd/user_function_error.ts";

/** Why a batch failed: a user function's error already reads "map-2 failed: …". */
const reasonOf = (error: unknown): string => error instanceof UserFunctionError ? error.message : describeError(error);

/**
 * An output operation registered on a stream.
 */
export interface OutputOperation {
  readonly id: number;
  readonly name: string;
  readonly stream: DStreamNode<unknown>;
  readonly run: (rdd: RDD<unknown>, time: Time) => void | Promise<void>;
}

/**
 * The error a batch's output operation failed with, naming the output and batch time.
 *
 * @category errors
 * @since 0.1.0
 */
export class BatchError extends Error {
  override readonly name = "BatchError";
  readonly batchTime: Time;

  constructor(message: string, batchTime: Time, cause: unknown) {
    super(message, { cause });
    this.batchTime = batchTime;
  }
}

const NO_METRICS: ReadonlyMap<string, Readonly<Record<string, number>>> = new Map();

interface Job {
  readonly output: OutputOperation;
  readonly rdd: RDD<unknown>;
}

interface GeneratedBatch {
  readonly time: Time;
  readonly jobs: ReadonlyArray<Job>;
  readonly streamIdToNumRecords: ReadonlyMap<number, number>;
  readonly submissionTime: number;
}

/** What the scheduler needs from its context. */
export interface SchedulerHost {
  readonly clock: Clock;
  readonly batchDuration: Duration;
  readonly logger: Logger;
  readonly inputs: ReadonlyArray<InputDStream<unknown>>;
  readonly outputs: ReadonlyArray<OutputOperation>;
  /** True when at least one listener is registered: reports are built only then. */
  readonly listening: boolean;
  post(event: (listener: StreamingListener) => void): void;
  reportError(error: Error): void;
}

export class JobScheduler implements DrivenByClock {
  readonly #host: SchedulerHost;
  readonly #timerAbort = new AbortController();
  readonly #queue: GeneratedBatch[] = [];
  readonly #waiters = new Set<() => void>();
  /** Counts streams reported, by batch time and stream name, until the batch is cleared. */
  readonly #metrics = new Map<number, Map<string, Readonly<Record<string, number>>>>();
  /** The nodes to clear after each batch: every ancestor of an output, and every input. */
  readonly #nodes: ReadonlyArray<DStreamNode<unknown>>;
  #nextTime = 0;
  #timerRunning = false;
  #processing: Promise<void> | undefined;
  #dropQueued = false;
  /** Records the inputs gave batches so far: a graceful stop waits while this grows. */
  #allocatedRecords = 0;

  constructor(host: SchedulerHost, nodes: ReadonlyArray<DStreamNode<unknown>>) {
    this.#host = host;
    this.#nodes = nodes;
  }

  /** The time of the next batch to generate. */
  get nextBatchTime(): Time {
    return new Time(this.#nextTime);
  }

  /** Starts generating batches at `zeroTime + batch`, `zeroTime + 2·batch`, … */
  start(zeroTime: Time): void {
    this.#nextTime = zeroTime.milliseconds + this.#host.batchDuration.milliseconds;
    this.#timerRunning = true;
    void this.#runTimer();
  }

  async #runTimer(): Promise<void> {
    const { clock, batchDuration } = this.#host;
    const signal = this.#timerAbort.signal;
    while (!signal.aborted) {
      const reached = await clock.sleepUntil(this.#nextTime, signal);
      if (!reached || signal.aborted) break;
      const time = new Time(this.#nextTime);
      this.#nextTime += batchDuration.milliseconds;
      this.#generate(time);
      this.#changed();
    }
    this.#timerRunning = false;
    this.#changed();
  }

  #generate(time: Time): void {
    const host = this.#host;
    try {
      const streamIdToNumRecords = new Map<number, number>();
      for (const input of host.inputs) {
        const n = input.allocate(time);
        streamIdToNumRecords.set(input.id, n);
        this.#allocatedRecords += n;
      }
      const jobs: Job[] = [];
      for (const output of host.outputs) {
        const rdd = output.stream.getOrCompute(time);
        if (rdd !== undefined) jobs.push({ output, rdd });
      }
      if (jobs.length === 0) {
        host.logger.info(`No jobs added for time ${time}`);
        this.#clear(time);
        return;
      }
      const batch: GeneratedBatch = { time, jobs, streamIdToNumRecords, submissionTime: host.clock.now() };
      this.#queue.push(batch);
      if (host.listening) host.post((l) => l.onBatchSubmitted?.({ batchInfo: this.#info(batch) }));
      this.#processing ??= this.#processQueue();
    } catch (error) {
      host.reportError(new BatchError(`Error generating jobs for time ${time}: ${reasonOf(error)}`, time, error));
      this.#clear(time);
    }
  }

  async #processQueue(): Promise<void> {
    try {
      for (let batch = this.#queue.shift(); batch !== undefined; batch = this.#queue.shift()) {
        if (this.#dropQueued) continue;
        await this.#runBatch(batch);
      }
    } finally {
      this.#processing = undefined;
      this.#changed();
    }
  }

  async #runBatch(batch: GeneratedBatch): Promise<void> {
    const host = this.#host;
    const { time } = batch;
    // Listener reports cost allocations per batch: skip them when nobody listens.
    const listening = host.listening;
    const processingStartTime = listening ? host.clock.now() : 0;
    if (listening) host.post((l) => l.onBatchStarted?.({ batchInfo: this.#info(batch, { processingStartTime }) }));
    const operations: OutputOperationInfo[] = [];
    for (const { output, rdd } of batch.jobs) {
      const startTime = listening ? host.clock.now() : 0;
      if (listening) {
        const started: OutputOperationInfo = { batchTime: time, id: output.id, name: output.name, startTime };
        host.post((l) => l.onOutputOperationStarted?.({ outputOperationInfo: started }));
      }
      let failureReason: string | undefined;
      try {
        await output.run(rdd, time);
      } catch (error) {
        failureReason = reasonOf(error);
        host.reportError(
          new BatchError(`Error running job ${output.name} (output ${output.id}) at time ${time}: ${failureReason}`, time, error),
        );
      }
      if (listening) {
        const completed: OutputOperationInfo = failureReason === undefined
          ? { batchTime: time, id: output.id, name: output.name, startTime, endTime: host.clock.now() }
          : { batchTime: time, id: output.id, name: output.name, startTime, endTime: host.clock.now(), failureReason };
        operations.push(completed);
        host.post((l) => l.onOutputOperationCompleted?.({ outputOperationInfo: completed }));
      }
    }
    if (listening) {
      const info = this.#info(batch, { processingStartTime, processingEndTime: host.clock.now(), operations });
      host.post((l) => l.onBatchCompleted?.({ batchInfo: info }));
    }
    this.#clear(time);
  }

  #info(
    batch: GeneratedBatch,
    progress: { processingStartTime?: number; processingEndTime?: number; operations?: ReadonlyArray<OutputOperationInfo> } = {},
  ): BatchInfo {
    const { processingStartTime, processingEndTime } = progress;
    let numRecords = 0;
    for (const n of batch.streamIdToNumRecords.values()) numRecords += n;
    const schedulingDelay = processingStartTime === undefined ? undefined : processingStartTime - batch.submissionTime;
    const processingDelay = processingStartTime === undefined || processingEndTime === undefined
      ? undefined
      : processingEndTime - processingStartTime;
    return {
      batchTime: batch.time,
      streamIdToNumRecords: batch.streamIdToNumRecords,
      numRecords,
      submissionTime: batch.submissionTime,
      ...(processingStartTime === undefined ? {} : { processingStartTime }),
      ...(processingEndTime === undefined ? {} : { processingEndTime }),
      ...(schedulingDelay === undefined ? {} : { schedulingDelay }),
      ...(processingDelay === undefined ? {} : { processingDelay }),
      ...(schedulingDelay === undefined || processingDelay === undefined ? {} : { totalDelay: schedulingDelay + processingDelay }),
      outputOperationInfos: progress.operations ?? [],
      metrics: this.#metrics.get(batch.time.milliseconds) ?? NO_METRICS,
    };
  }

  /** Adds counts a stream reported for the batch at `time`. */
  addMetrics(streamName: string, time: Time, counts: Readonly<Record<string, number>>): void {
    let byStream = this.#metrics.get(time.milliseconds);
    if (byStream === undefined) this.#metrics.set(time.milliseconds, byStream = new Map());
    const sums: Record<string, number> = { ...byStream.get(streamName) };
    for (const [name, n] of Object.entries(counts)) sums[name] = (sums[name] ?? 0) + n;
    byStream.set(streamName, sums);
  }

  #clear(time: Time): void {
    this.#metrics.delete(time.milliseconds);
    for (const node of this.#nodes) node.clearOldRDDs(time);
  }

  #changed(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  #nextChange(): Promise<void> {
    return new Promise((resolve) => this.#waiters.add(resolve));
  }

  /** True while a batch is queued or running. */
  get busy(): boolean {
    return this.#processing !== undefined || this.#queue.length > 0;
  }

  async caughtUp(now: number): Promise<void> {
    while ((this.#timerRunning && this.#nextTime <= now) || this.busy) await this.#nextChange();
  }

  /**
   * Stops generating batches. Graceful: first waits (up to `timeoutMs` of real time)
   * until the inputs hold no records that no batch has taken, then lets every
   * generated batch finish. Otherwise: drops the batches not yet started and waits
   * only for the one running.
   */
  async stop(graceful: boolean, timeoutMs: number): Promise<void> {
    if (graceful) {
      // Wait while inputs hold records no batch took yet (a receiver's buffer, possibly
      // drained over several batches by its rate limit; files that appeared). The
      // timeout counts from the last batch that took records, so a long but moving
      // drain finishes, and a stuck one ends.
      const pending = () => this.#host.inputs.some((input) => input.hasPendingRecords());
      let progress = this.#allocatedRecords;
      let deadline = Date.now() + timeoutMs;
      while (this.#timerRunning && pending()) {
        if (this.#allocatedRecords !== progress) {
          progress = this.#allocatedRecords;
          deadline = Date.now() + timeoutMs;
        }
        const left = deadline - Date.now();
        if (left <= 0) break;
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([this.#nextChange(), new Promise<void>((resolve) => void (timer = setTimeout(resolve, left)))]);
        clearTimeout(timer);
      }
      if (pending()) {
        this.#host.logger.warn(
          `Graceful stop gave up after ${timeoutMs} ms without a batch taking the received records that are still waiting`,
        );
      }
    } else {
      this.#dropQueued = true;
    }
    this.#timerAbort.abort();
    while (this.#timerRunning || this.busy) await this.#nextChange();
  }

  /** Wakes anyone waiting on progress (after inputs stopped, for instance). */
  notify(): void {
    this.#changed();
  }
}

