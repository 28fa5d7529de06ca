/**
 * Spark's PID rate estimator (`PIDRateEstimator`): after each completed batch it
 * estimates how many records per second an input should admit so that a batch is
 * processed within the batch interval, from the batch's record count, processing delay
 * and scheduling delay.
 *
 * @module
 */

/** Spark's defaults (`spark.streaming.backpressure.pid.*`). */
export const PID_DEFAULTS = { proportional: 1.0, integral: 0.2, derivative: 0.0, minRate: 100 } as const;

/** The gains and the floor of a {@link PIDRateEstimator}. */
export interface PIDSettings {
  readonly proportional?: number;
  readonly integral?: number;
  readonly derivative?: number;
  /** The lowest rate it ever estimates, in records per second (> 0, so data keeps flowing: SPARK-9966). */
  readonly minRate?: number;
}

const checkGain = (value: number, name: string): number => {
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`The ${name} term of the PID rate estimator must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
};

/**
 * A proportional-integral-derivative controller on the ingestion rate. The error is
 * the difference between the rate it set for the last batch and the rate at which that
 * batch was processed; the scheduling delay stands for the error accumulated by earlier
 * batches (records that could not be processed in time).
 */
export class PIDRateEstimator {
  readonly #batchIntervalMs: number;
  readonly #proportional: number;
  readonly #integral: number;
  readonly #derivative: number;
  readonly minRate: number;
  #firstRun = true;
  #latestTime = -1;
  #latestRate = -1;
  #latestError = -1;

  constructor(batchIntervalMs: number, settings: PIDSettings = {}) {
    if (!(batchIntervalMs > 0)) throw new RangeError(`The PID rate estimator's batch interval must be positive, got ${batchIntervalMs} ms`);
    this.#batchIntervalMs = batchIntervalMs;
    this.#proportional = checkGain(settings.proportional ?? PID_DEFAULTS.proportional, "proportional");
    this.#integral = checkGain(settings.integral ?? PID_DEFAULTS.integral, "integral");
    this.#derivative = checkGain(settings.derivative ?? PID_DEFAULTS.derivative, "derivative");
    const minRate = settings.minRate ?? PID_DEFAULTS.minRate;
    if (typeof minRate !== "number" || !(minRate > 0) || !Number.isFinite(minRate)) {
      throw new RangeError(`minRate must be a positive number of records per second, got ${String(minRate)}: use e.g. { minRate: 100 }`);
    }
    this.minRate = minRate;
  }

  /**
   * A new rate in records per second, or `undefined` when this batch tells nothing (no
   * records, no processing time, or not later than the last one) and on the first batch
   * that does, which only seeds the estimate (as in Spark).
   *
   * @param time when the batch finished processing, in milliseconds
   * @param records how many records the input gave the batch
   * @param processingDelay how long the batch's outputs ran, in milliseconds
   * @param schedulingDelay how long the batch waited before it ran, in milliseconds
   */
  compute(time: number, records: number, processingDelay: number, schedulingDelay: number): number | undefined {
    if (!(time > this.#latestTime && records > 0 && processingDelay > 0)) return undefined;
    const delaySinceUpdate = (time - this.#latestTime) / 1000;
    const processingRate = (records / processingDelay) * 1000;
    const error = this.#latestRate - processingRate;
    // A scheduling delay s means s × processingRate records overflowed earlier batches;
    // spread over one batch interval, that is the "historical" error.
    const historicalError = (Math.max(0, schedulingDelay) * processingRate) / this.#batchIntervalMs;
    const dError = (error - this.#latestError) / delaySinceUpdate;
    const newRate = Math.max(
      this.#latestRate - this.#proportional * error - this.#integral * historicalError - this.#derivative * dError,
      this.minRate,
    );
    this.#latestTime = time;
    if (this.#firstRun) {
      this.#latestRate = processingRate;
      this.#latestError = 0;
      this.#firstRun = false;
      return undefined;
    }
    this.#latestRate = newRate;
    this.#latestError = error;
    return newRate;
  }
}
