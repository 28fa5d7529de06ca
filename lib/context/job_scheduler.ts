/**
 * The job generator and scheduler of one StreamingContext: a timer that generates a
 * batch at every batch time, and a loop that runs the batches one at a time, in
 * order. A batch that runs long delays the next ones; none is skipped or merged.
 *
 * Both loops give the event loop a turn between batches, so sockets, timers, `stop()`
 * and Ctrl-C still run while the job is behind: the loop is never blocked longer than
 * one batch's own code. At most `maxPendingBatches` batches are generated and not yet
 * processed; the timer waits beyond that, and the batches it then generates late keep
 * their batch times, so their scheduling delay shows how far behind the job is.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { setImmediate } from "node:timers";
import { type Clock, type DrivenByClock, isManualClock } from "../time/clock.ts";
import { type Duration, Time } from "../time/duration.ts";
import type { RDD } from "../rdd/rdd.ts";
import type { DStreamNode } from "../dstream/_node.ts";
import type { InputDStream } from "../dstream/_input.ts";
import type { Backlog, Logger } from "../dstream/_graph.ts";
import type { BatchInfo, OutputOperationInfo, StreamingListener, StreamInputInfo } from "./listener.ts";
import { batchInfoOf, type BatchProgress, type GeneratedBatch, type Job } from "./_batch_info.ts";
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
    // The user's own error, one level down (a UserFunctionError only names the operation, already in the message).
    super(message, { cause: cause instanceof UserFunctionError ? cause.cause : cause });
    this.batchTime = batchTime;
  }
}

/**
 * The batch whose output code is running, across its awaits: a `stop()` made from there
 * (even after an `await`) cannot wait for that batch, which waits for it.
 */
const runningBatch = new AsyncLocalStorage<GeneratedBatch>();

/** Gives the event loop a turn (I/O, timers, signals) before going on. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Under a ManualClock nothing runs behind the test's back, so batches go on at once:
 * a test sees the same turns of the event loop however many batches an `advance` runs.
 */
const goOnAtOnce = (): Promise<void> => Promise.resolve();

/** What the scheduler needs from its context. */
export interface SchedulerHost {
  readonly clock: Clock;
  readonly batchDuration: Duration;
  readonly logger: Logger;
  readonly inputs: ReadonlyArray<InputDStream<unknown>>;
  readonly outputs: ReadonlyArray<OutputOperation>;
  /** The most batches generated and not yet processed (waiting or running). */
  readonly maxPendingBatches: number;
  /** True when at least one listener is registered: reports are built only then. */
  readonly listening: boolean;
  post(event: (listener: StreamingListener) => void): void;
  reportError(error: Error): void;
  /**
   * After a batch's outputs ran (and before the next batch runs): checkpoint and commit.
   * `pendingTimes`: the batches generated after it, not run yet.
   */
  readonly afterBatch?: ((time: Time, pendingTimes: ReadonlyArray<number>) => void) | undefined;
  /** Once the inputs fixed the batch at `time`: record what it holds, before its outputs run. */
  readonly afterGenerate?: ((time: Time) => void) | undefined;
  /** Resolves once what the batch at `time` holds is durable: its outputs wait for it. */
  readonly beforeOutputs?: ((time: Time) => Promise<void>) | undefined;
  /**
   * Just before the batch at `time` runs its outputs: work done on other threads for it
   * (`local[n]`'s workers). A promise the outputs wait for, or `undefined` when there is
   * nothing to wait for (no microtask turn then).
   */
  readonly prepareBatch?: ((time: Time) => Promise<void> | undefined) | undefined;
  /** True while a checkpoint is still being written: the context is not idle yet. */
  readonly checkpointBusy?: boolean;
  /** Resolves once the checkpoints asked for so far are written. */
  checkpointsDrained?(): Promise<void>;
}

/** Where a recovered context resumes: from the batch after the checkpointed state. */
export interface Resume {
  /** The batch whose state was restored: generation goes on from the next one. */
  readonly stateTime: Time;
  /**
   * The last batch whose outputs completed before the crash: batches up to it are
   * generated again (the same content) to bring the state forward, without running
   * their outputs a second time.
   */
  readonly completedTime: Time;
}

/** Someone waiting for the scheduler to change (see `#nextChange`). */
interface Waiter {
  readonly wake: () => void;
  readonly until: (() => boolean) | undefined;
}

/** One batch's run through its outputs: what the listener reports need along the way. */
interface BatchRun {
  readonly batch: GeneratedBatch;
  readonly listening: boolean;
  readonly processingStartTime: number;
  readonly operations: OutputOperationInfo[];
}

export class JobScheduler implements DrivenByClock {
  readonly #host: SchedulerHost;
  readonly #timerAbort = new AbortController();
  readonly #queue: GeneratedBatch[] = [];
  /**
   * Waiting for a change: each is woken at the first change after which its `until`
   * holds (a caller still checks its condition again when it runs).
   */
  #waiters: Array<Waiter> = [];
  /** Counts streams reported, by batch time and stream name, until the batch is cleared. */
  readonly #metrics = new Map<number, Map<string, Readonly<Record<string, number>>>>();
  /** The nodes to clear after each batch: every ancestor of an output, and every input. */
  readonly #nodes: ReadonlyArray<DStreamNode<unknown>>;
  #nextTime = 0;
  #timerRunning = false;
  #processing: Promise<void> | undefined;
  /** The batch whose outputs run now. */
  #running: GeneratedBatch | undefined;
  /** True while an output's own code runs synchronously (a `stop()` then comes from inside the batch). */
  #inOutputCode = false;
  #dropQueued = false;
  /** Records the inputs gave batches so far: a graceful stop waits while this grows. */
  #allocatedRecords = 0;
  /** After a recovery: batches up to this time already ran their outputs before the crash. */
  #replayThroughMs = Number.NEGATIVE_INFINITY;
  readonly #betweenBatches: () => Promise<void>;

  constructor(host: SchedulerHost, nodes: ReadonlyArray<DStreamNode<unknown>>) {
    this.#host = host;
    this.#nodes = nodes;
    this.#betweenBatches = isManualClock(host.clock) ? goOnAtOnce : yieldToEventLoop;
  }

  /** The time of the next batch to generate. */
  get nextBatchTime(): Time {
    return new Time(this.#nextTime);
  }

  /** Batches generated and not processed yet, and whether inputs should take less. */
  backlog(): Backlog {
    const pendingBatches = this.#pending();
    const maxPendingBatches = this.#host.maxPendingBatches;
    return { pendingBatches, maxPendingBatches, backlogged: pendingBatches > 0 && pendingBatches * 2 >= maxPendingBatches };
  }

  #pending(): number {
    return this.#queue.length + (this.#running === undefined ? 0 : 1);
  }

  /**
   * Starts generating batches at `zeroTime + batch`, `zeroTime + 2·batch`, … or, after a
   * recovery, from the batch after the restored state (batches already due are generated
   * at once, each at its own time).
   */
  start(zeroTime: Time, resume?: Resume): void {
    const from = resume === undefined ? zeroTime : resume.stateTime;
    this.#replayThroughMs = resume?.completedTime.milliseconds ?? Number.NEGATIVE_INFINITY;
    this.#nextTime = from.milliseconds + this.#host.batchDuration.milliseconds;
    this.#timerRunning = true;
    void this.#runTimer();
  }

  async #runTimer(): Promise<void> {
    const { clock, batchDuration } = this.#host;
    const signal = this.#timerAbort.signal;
    try {
      while (!signal.aborted) {
        const reached = await clock.sleepUntil(this.#nextTime, signal);
        if (!reached || signal.aborted) break;
        // The hard bound: wait for a batch to finish rather than hold more batches' inputs.
        while (!signal.aborted && this.#pending() >= this.#host.maxPendingBatches) await this.#nextChange();
        if (signal.aborted) break;
        // Awaited only when an input's allocation needed I/O: a batch of in-memory inputs costs no microtask turn here.
        const generating = this.#generate(new Time(this.#nextTime));
        if (generating !== undefined) await generating;
        this.#nextTime += batchDuration.milliseconds;
        this.#changed();
        // Behind schedule, sleepUntil returns at once: let I/O, timers and stop() run first.
        await this.#betweenBatches();
      }
    } finally {
      this.#timerRunning = false;
      this.#changed();
    }
  }

  /**
   * Fixes the batch at `time` and queues it. Synchronous while every input allocates
   * synchronously (in-memory queues, receivers' blocks); a promise from the first input
   * that needs I/O on, the rest allocated after it, in input order.
   */
  #generate(time: Time): Promise<void> | undefined {
    const inputs = this.#host.inputs;
    const streamIdToNumRecords = new Map<number, number>();
    const streamIdToInputInfo = new Map<number, StreamInputInfo>();
    try {
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i]!;
        const allocated = input.allocate(time);
        if (typeof allocated !== "number") {
          return this.#generateFrom(time, i, allocated, streamIdToNumRecords, streamIdToInputInfo);
        }
        this.#allocated(input, allocated, streamIdToNumRecords, streamIdToInputInfo);
      }
      this.#queueJobs(time, streamIdToNumRecords, streamIdToInputInfo);
    } catch (error) {
      this.#generateFailed(time, error);
    }
    return undefined;
  }

  /** The rest of {@link JobScheduler.#generate} once input `from`'s allocation returned a promise. */
  async #generateFrom(
    time: Time,
    from: number,
    pending: Promise<number>,
    streamIdToNumRecords: Map<number, number>,
    streamIdToInputInfo: Map<number, StreamInputInfo>,
  ): Promise<void> {
    const inputs = this.#host.inputs;
    try {
      // In input order, one after another: an input's I/O for this batch ends before the next input's starts.
      this.#allocated(inputs[from]!, await pending, streamIdToNumRecords, streamIdToInputInfo);
      for (let i = from + 1; i < inputs.length; i++) {
        const input = inputs[i]!;
        const allocated = input.allocate(time);
        this.#allocated(input, typeof allocated === "number" ? allocated : await allocated, streamIdToNumRecords, streamIdToInputInfo);
      }
      this.#queueJobs(time, streamIdToNumRecords, streamIdToInputInfo);
    } catch (error) {
      this.#generateFailed(time, error);
    }
  }

  #allocated(
    input: InputDStream<unknown>,
    n: number,
    streamIdToNumRecords: Map<number, number>,
    streamIdToInputInfo: Map<number, StreamInputInfo>,
  ): void {
    streamIdToNumRecords.set(input.id, n);
    streamIdToInputInfo.set(input.id, { inputStreamId: input.id, numRecords: n, metadataDescription: input.name });
    this.#allocatedRecords += n;
  }

  #generateFailed(time: Time, error: unknown): void {
    this.#host.reportError(new BatchError(`Error generating jobs for time ${time}: ${reasonOf(error)}`, time, error));
    this.#clear(time);
  }

  /** Computes the outputs' RDDs of the batch at `time` (its inputs fixed) and queues the batch. */
  #queueJobs(time: Time, streamIdToNumRecords: Map<number, number>, streamIdToInputInfo: Map<number, StreamInputInfo>): void {
    const host = this.#host;
    const jobs: Job[] = [];
    const outputs = host.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const output = outputs[i]!;
      const rdd = output.stream.getOrCompute(time);
      if (rdd !== undefined) jobs.push({ output, rdd });
    }
    const batch: GeneratedBatch = { time, jobs, streamIdToNumRecords, streamIdToInputInfo, submissionTime: time.milliseconds };
    if (jobs.length === 0) {
      host.logger.info(`No jobs added for time ${time}`);
      if (host.afterBatch === undefined) {
        this.#clear(time);
        return;
      }
      // Still checkpointed, in batch order: the inputs' positions moved on.
      this.#queue.push(batch);
      host.afterGenerate?.(time);
      this.#processing ??= this.#processQueue();
      return;
    }
    this.#queue.push(batch);
    host.afterGenerate?.(time);
    if (host.listening) host.post((l) => l.onBatchSubmitted?.({ batchInfo: this.#info(batch) }));
    this.#processing ??= this.#processQueue();
  }

  async #processQueue(): Promise<void> {
    try {
      for (let batch = this.#queue.shift(); batch !== undefined; batch = this.#queue.shift()) {
        if (this.#dropQueued) continue;
        this.#running = batch;
        try {
          const running = this.#runBatch(batch);
          if (running !== undefined) await running;
        } finally {
          this.#running = undefined;
        }
        this.#changed();
        // A batch whose outputs never await would otherwise chain into the next one.
        await this.#betweenBatches();
      }
    } finally {
      this.#processing = undefined;
      this.#changed();
    }
  }

  /** Runs an output's code in the running batch's scope (see {@link calledFromBatch}). */
  #runOutput(batch: GeneratedBatch, output: OutputOperation, rdd: RDD<unknown>, time: Time): void | Promise<void> {
    this.#inOutputCode = true;
    try {
      return runningBatch.run(batch, output.run, rdd, time);
    } finally {
      this.#inOutputCode = false;
    }
  }

  /**
   * True when called from the code of an output of the batch running now, before or
   * after an `await`: a `stop()` made there cannot wait for the batch that is running it.
   */
  get calledFromBatch(): boolean {
    if (this.#inOutputCode) return true;
    const batch = runningBatch.getStore();
    return batch !== undefined && batch === this.#running;
  }

  /**
   * Runs the outputs of `batch`, in order, then checkpoints and clears. Synchronous as
   * long as nothing it runs returns a promise (no checkpoint to wait for, synchronous
   * outputs): a batch then costs no microtask turn of its own.
   */
  #runBatch(batch: GeneratedBatch): Promise<void> | undefined {
    const host = this.#host;
    const { time } = batch;
    if (batch.jobs.length === 0) {
      host.afterBatch?.(time, this.#queue.map((b) => b.time.milliseconds));
      this.#clear(time);
      return undefined;
    }
    if (time.milliseconds <= this.#replayThroughMs) {
      // Recovered: its outputs completed before the crash; generating it brought the state forward.
      host.logger.info(`Batch ${time} ran before the recovery: its state is recomputed, its outputs are not run again`);
      host.afterBatch?.(time, this.#queue.map((b) => b.time.milliseconds));
      this.#clear(time);
      return undefined;
    }
    // Listener reports cost allocations per batch: skip them when nobody listens.
    const listening = host.listening;
    const run: BatchRun = { batch, listening, processingStartTime: listening ? host.clock.now() : 0, operations: [] };
    // Outputs run only once a checkpoint records what this batch holds: after a crash it is
    // generated again with the same content, whatever its outputs did.
    const recorded = host.beforeOutputs?.(time);
    // Started after the checkpoint write, so that the driver's share of the work overlaps its I/O.
    const prepared = host.prepareBatch?.(time);
    const ready = prepared === undefined ? recorded : recorded === undefined ? prepared : Promise.all([recorded, prepared]);
    if (ready !== undefined) return ready.then(() => this.#runOutputsFrom(run, 0, true));
    return this.#runOutputsFrom(run, 0, true);
  }

  /** Runs the outputs from `index` on; a promise from the first output that returns one. */
  #runOutputsFrom(run: BatchRun, index: number, announce: boolean): Promise<void> | undefined {
    const host = this.#host;
    const { batch } = run;
    if (announce && run.listening) {
      host.post((l) => l.onBatchStarted?.({ batchInfo: this.#info(batch, { processingStartTime: run.processingStartTime }) }));
    }
    const jobs = batch.jobs;
    for (let i = index; i < jobs.length; i++) {
      const { output, rdd } = jobs[i]!;
      const startTime = this.#outputStarted(run, output);
      let returned: void | Promise<void>;
      try {
        returned = this.#runOutput(batch, output, rdd, batch.time);
      } catch (error) {
        this.#outputEnded(run, output, startTime, error, true);
        continue;
      }
      // With listeners, a turn of the microtask queue after each output (as when every output
      // was awaited), so that their queues drain between a batch's events.
      if (returned !== undefined || run.listening) return this.#awaitOutputThenRest(run, i, startTime, returned);
      this.#outputEnded(run, output, startTime, undefined, false);
    }
    this.#batchEnded(run);
    return undefined;
  }

  async #awaitOutputThenRest(run: BatchRun, index: number, startTime: number, returned: Promise<void> | void): Promise<void> {
    const output = run.batch.jobs[index]!.output;
    try {
      await returned;
    } catch (error) {
      this.#outputEnded(run, output, startTime, error, true);
      await this.#runOutputsFrom(run, index + 1, false);
      return;
    }
    this.#outputEnded(run, output, startTime, undefined, false);
    await this.#runOutputsFrom(run, index + 1, false);
  }

  #outputStarted(run: BatchRun, output: OutputOperation): number {
    if (!run.listening) return 0;
    const startTime = this.#host.clock.now();
    const started: OutputOperationInfo = { batchTime: run.batch.time, id: output.id, name: output.name, startTime };
    this.#host.post((l) => l.onOutputOperationStarted?.({ outputOperationInfo: started }));
    return startTime;
  }

  #outputEnded(run: BatchRun, output: OutputOperation, startTime: number, error: unknown, failed: boolean): void {
    const host = this.#host;
    const time = run.batch.time;
    let failureReason: string | undefined;
    if (failed) {
      failureReason = reasonOf(error);
      host.reportError(
        new BatchError(`Error running job ${output.name} (output ${output.id}) at time ${time}: ${failureReason}`, time, error),
      );
    }
    if (run.listening) {
      const endTime = host.clock.now();
      const ended = { batchTime: time, id: output.id, name: output.name, startTime, endTime, duration: endTime - startTime };
      const completed: OutputOperationInfo = failureReason === undefined ? ended : { ...ended, failureReason };
      run.operations.push(completed);
      host.post((l) => l.onOutputOperationCompleted?.({ outputOperationInfo: completed }));
    }
  }

  #batchEnded(run: BatchRun): void {
    const host = this.#host;
    const { batch } = run;
    const time = batch.time;
    if (run.listening) {
      const info = this.#info(batch, { processingStartTime: run.processingStartTime, processingEndTime: host.clock.now(), operations: run.operations });
      host.post((l) => l.onBatchCompleted?.({ batchInfo: info }));
    }
    host.afterBatch?.(time, this.#queue.map((b) => b.time.milliseconds));
    this.#clear(time);
  }

  #info(batch: GeneratedBatch, progress: BatchProgress = {}): BatchInfo {
    return batchInfoOf(batch, progress, this.#metrics.get(batch.time.milliseconds));
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
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    let kept: Waiter[] | undefined;
    this.#waiters = [];
    for (let i = 0; i < waiters.length; i++) {
      const waiter = waiters[i]!;
      if (waiter.until === undefined || waiter.until()) waiter.wake();
      else (kept ??= []).push(waiter);
    }
    if (kept !== undefined) this.#waiters.push(...kept);
  }

  /**
   * Resolves at the next change after which `until` holds (any change without it). A
   * caught-up test waits once per batch this way, not once per step of the batch.
   */
  #nextChange(until?: () => boolean): Promise<void> {
    return new Promise((wake) => this.#waiters.push({ wake, until }));
  }

  /** True while a batch is queued or running, or its checkpoint is being written. */
  get busy(): boolean {
    return this.#processing !== undefined || this.#queue.length > 0 || this.#host.checkpointBusy === true;
  }

  async caughtUp(now: number): Promise<void> {
    for (;;) {
      const behind = (): boolean => (this.#timerRunning && this.#nextTime <= now) || this.#batchesBusy;
      while (behind()) await this.#nextChange(() => !behind());
      if (this.#host.checkpointBusy !== true) return;
      await this.#host.checkpointsDrained?.();
    }
  }

  get #batchesBusy(): boolean {
    return this.#processing !== undefined || this.#queue.length > 0;
  }

  /** Resolves once no batch is generated, queued or running any more, and its checkpoint is written (after `stop`). */
  async ended(): Promise<void> {
    for (;;) {
      const running = (): boolean => this.#timerRunning || this.#batchesBusy;
      while (running()) await this.#nextChange(() => !running());
      if (this.#host.checkpointBusy !== true) return;
      await this.#host.checkpointsDrained?.();
    }
  }

  async #inputsHoldRecords(): Promise<boolean> {
    for (const input of this.#host.inputs) {
      const pending = input.hasPendingRecords();
      if (typeof pending === "boolean" ? pending : await pending) return true;
    }
    return false;
  }

  /**
   * Stops generating batches. Graceful: first waits (up to `timeoutMs` on the context's
   * clock) until the inputs hold no records that no batch has taken, then lets every
   * generated batch finish. Otherwise: drops the batches not yet started and waits
   * only for the one running. `fromBatch`: the caller is the running batch, which
   * cannot end before this does, so only generation is waited for; `ended()` waits
   * for the rest.
   */
  async stop(graceful: boolean, timeoutMs: number, fromBatch = false): Promise<void> {
    const clock = this.#host.clock;
    if (graceful) {
      // Wait while inputs hold records no batch took yet (a receiver's buffer, possibly
      // drained over several batches by its rate limit; files that appeared). The
      // timeout counts from the last batch that took records, so a long but moving
      // drain finishes, and a stuck one ends.
      let progress = this.#allocatedRecords;
      let deadline = clock.now() + timeoutMs;
      let pending = await this.#inputsHoldRecords();
      while (this.#timerRunning && pending) {
        if (this.#allocatedRecords !== progress) {
          progress = this.#allocatedRecords;
          deadline = clock.now() + timeoutMs;
        }
        if (clock.now() >= deadline) break;
        const timeout = new AbortController();
        await Promise.race([this.#nextChange(), clock.sleepUntil(deadline, timeout.signal)]);
        timeout.abort();
        pending = await this.#inputsHoldRecords();
      }
      if (pending) {
        this.#host.logger.warn(
          `Graceful stop gave up after ${timeoutMs} ms without a batch taking the received records that are still waiting`,
        );
      }
    } else {
      this.#dropQueued = true;
    }
    this.#timerAbort.abort();
    this.#changed();
    if (fromBatch) {
      while (this.#timerRunning) await this.#nextChange();
    } else {
      await this.#endedOrWarn();
    }
  }

  /**
   * `ended()`, warning once if a batch still runs ten intervals later: a batch that
   * awaits this very stop (after an `await` in its output) can never end.
   */
  async #endedOrWarn(): Promise<void> {
    const ended = this.ended();
    const running = this.#running;
    if (running === undefined) return ended;
    const clock = this.#host.clock;
    const waited = 10 * this.#host.batchDuration.milliseconds;
    const patience = new AbortController();
    const late = await Promise.race([ended.then(() => false), clock.sleepUntil(clock.now() + waited, patience.signal)]);
    patience.abort();
    if (late && this.#running === running) {
      this.#host.logger.warn(
        `stop() is waiting for the batch at time ${running.time}, still running after ${waited} ms. If that batch waits for this stop() (through a promise made outside its outputs), it never ends: call ssc.stop() without awaiting it there`,
      );
    }
    return ended;
  }

  /** Wakes anyone waiting on progress (after inputs stopped, for instance). */
  notify(): void {
    this.#changed();
  }
}
