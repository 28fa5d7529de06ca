/**
 * Spark's `RateController`: a streaming listener per input that, on every completed
 * batch, feeds the batch's record count (for its input), processing delay and scheduling
 * delay to a rate estimator and keeps the rate it estimates, for the input to read when
 * it forms its next batch.
 *
 * @module
 */
import type { RateControl } from "../dstream/_graph.ts";
import type { BatchInfo, StreamingListener } from "./listener.ts";
import { PIDRateEstimator } from "./_rate_estimator.ts";

/** What a rate controller starts from. */
export interface RateControllerSettings {
  readonly streamId: number;
  readonly batchIntervalMs: number;
  readonly minRate?: number | undefined;
  /** The rate before the first estimate (Spark's `initialRate`, SPARK-18580). */
  readonly initialRate?: number | undefined;
  /** A cap on every rate (Spark's `receiver.maxRate`). */
  readonly maxRate?: number | undefined;
}

export class RateController implements StreamingListener, RateControl {
  readonly streamId: number;
  readonly #estimator: PIDRateEstimator;
  readonly #initialRate: number | undefined;
  readonly #maxRate: number | undefined;
  #latest: number | undefined;

  constructor(settings: RateControllerSettings) {
    this.streamId = settings.streamId;
    this.#estimator = new PIDRateEstimator(settings.batchIntervalMs, settings.minRate === undefined ? {} : { minRate: settings.minRate });
    this.#initialRate = settings.initialRate;
    this.#maxRate = settings.maxRate;
  }

  /** The latest estimate, before the `maxRate` cap; `undefined` until the second batch with records. */
  get latestEstimate(): number | undefined {
    return this.#latest;
  }

  rate(): number | undefined {
    const rate = this.#latest ?? this.#initialRate;
    if (rate === undefined) return this.#maxRate;
    return this.#maxRate === undefined ? rate : Math.min(rate, this.#maxRate);
  }

  onBatchCompleted({ batchInfo }: { readonly batchInfo: BatchInfo }): void {
    const { processingEndTime, processingDelay, schedulingDelay } = batchInfo;
    const records = batchInfo.streamIdToNumRecords.get(this.streamId);
    if (processingEndTime === undefined || processingDelay === undefined || schedulingDelay === undefined || records === undefined) return;
    const estimate = this.#estimator.compute(processingEndTime, records, processingDelay, schedulingDelay);
    // The estimator never goes below minRate (> 0): a rate of 0 would stop the input for good (SPARK-9966).
    if (estimate !== undefined && estimate > 0) this.#latest = estimate;
  }
}
