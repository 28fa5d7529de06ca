/**
 * Private machinery of the stateful operations (`updateStateByKey`, `mapWithState`):
 * the ordered, lazy queue of per-batch state steps.
 *
 * A stateful node keeps one state map. Each batch adds one step that advances that map
 * from the previous batch to this one. Steps run lazily, when an output first reads the
 * batch's RDD, always in batch order (reading batch t first runs any earlier step still
 * pending), and at the latest when the batch is cleared, so the state advances every
 * batch even when no output reads it. A step's result is kept with its RDD, so an RDD
 * handed out for an earlier batch never changes afterwards.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";

// -------------------------------------------------------------------------------------
// ordered lazy steps
// -------------------------------------------------------------------------------------

/** One batch's state step. */
export interface Step<R> {
  readonly time: Time;
  status: "pending" | "done" | "failed";
  result: R | undefined;
  error: unknown;
  /** True once a reader of the batch's RDD saw the failure (so it was reported). */
  observed: boolean;
  readonly run: () => R;
}

/** The steps of one stateful node not yet retired, oldest first. */
export class StepQueue<R> {
  #steps: Array<Step<R>> = [];
  #lastTime = Number.NEGATIVE_INFINITY;

  /** The time of the newest step added, if any. */
  get lastTime(): number {
    return this.#lastTime;
  }

  /** Adds the step of the batch at `time` (later than every step added before). */
  add(time: Time, run: () => R): Step<R> {
    const step: Step<R> = { time, status: "pending", result: undefined, error: undefined, observed: false, run };
    this.#steps.push(step);
    this.#lastTime = time.milliseconds;
    return step;
  }

  /** The step at `time`, if it is not retired yet. */
  find(time: Time): Step<R> | undefined {
    return this.#steps.find((step) => step.time.milliseconds === time.milliseconds);
  }

  /** True when no step after `step` has run yet (the state map is still at its batch). */
  isLatestRun(step: Step<R>): boolean {
    return !this.#steps.some((other) => other.time.milliseconds > step.time.milliseconds && other.status !== "pending");
  }

  #runUpTo(timeMs: number): void {
    for (const step of this.#steps) {
      if (step.time.milliseconds > timeMs) break;
      if (step.status !== "pending") continue;
      try {
        step.result = step.run();
        step.status = "done";
      } catch (error) {
        step.error = error;
        step.status = "failed";
      }
    }
  }

  /** Runs every pending step up to `step`, in order; returns its result or throws its error. */
  force(step: Step<R>): R {
    if (step.status === "pending") this.#runUpTo(step.time.milliseconds);
    if (step.status === "failed") {
      step.observed = true;
      throw step.error;
    }
    return step.result as R;
  }

  /**
   * Runs the steps up to `time` still pending (no output read them) and forgets them;
   * calls `unobserved` for each that failed without any reader seeing it.
   */
  retire(time: Time, unobserved: (step: Step<R>) => void): void {
    this.#runUpTo(time.milliseconds);
    const kept: Array<Step<R>> = [];
    for (const step of this.#steps) {
      if (step.time.milliseconds > time.milliseconds) kept.push(step);
      else if (step.status === "failed" && !step.observed) unobserved(step);
    }
    this.#steps = kept;
  }
}

/**
 * The RDD of a batch's step: `numPartitions` contiguous slices of the array `records()`
 * returns (called once, on first read). `collect` copies that array at once: the step's
 * array is not visible to `RDD.collect`'s fast path for held records, and pushing a
 * million-key state record by record through the partitions cost more than the step.
 */
class StepRDD<X> extends RDD<X> {
  readonly #records: () => ReadonlyArray<X>;

  constructor(numPartitions: number, records: () => ReadonlyArray<X>) {
    let held: ReadonlyArray<X> | undefined;
    const once = (): ReadonlyArray<X> => (held ??= records());
    let rdd: RDD<X> | undefined;
    super(numPartitions, (p, emit) => (rdd ??= RDD.fromArray(once(), numPartitions)).forEachIn(p, emit));
    this.#records = once;
  }

  /** Every record, partition by partition: the partitions are contiguous slices, so the array in order. */
  override collect(): X[] {
    return this.#records().slice();
  }
}

/** An RDD of `numPartitions` whose records come from `records()`, called once, on first read. */
export const lazyRDD = <X>(numPartitions: number, records: () => ReadonlyArray<X>): RDD<X> => new StepRDD(numPartitions, records);
