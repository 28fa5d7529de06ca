/**
 * Rate control for receivers (Spark's `spark.streaming.receiver.maxRate`), enforced
 * at batch boundaries: between two batch times `t0 < t1` a receiver may hand over at
 * most `maxRate × (t1 − t0) / 1000` records. The records over the limit stay in the
 * receiver's bounded buffer and go to later batches: delayed, never dropped.
 *
 * Measuring on batch times (not on the wall clock) makes the limit exact and
 * deterministic: under a `ManualClock` a test sees the same batch sizes every run.
 *
 * @module
 */

/**
 * Checks a `maxRate` option: a positive number of records per second, or
 * `undefined`/`Infinity` for no limit.
 *
 * @category inputs
 * @since 0.1.0
 */
export const checkMaxRate = (maxRate: unknown, where: string): number | undefined => {
  if (maxRate === undefined || maxRate === Infinity) return undefined;
  if (typeof maxRate !== "number" || !(maxRate > 0) || Number.isNaN(maxRate)) {
    throw new RangeError(
      `${where}'s maxRate must be a positive number of records per second (or Infinity for no limit), got ${JSON.stringify(maxRate) ?? typeof maxRate}: use e.g. { maxRate: 1000 }`,
    );
  }
  return maxRate;
};

/**
 * How many records each batch may take, at `maxRate` records per second.
 *
 * @category inputs
 * @since 0.1.0
 */
export class RateLimiter {
  /** Records per second. */
  readonly maxRate: number;
  #lastTime: number | undefined;
  /** The fraction of a record owed from earlier intervals, so rates like 2.5/s add up. */
  #carry = 0;

  constructor(maxRate: number) {
    const checked = checkMaxRate(maxRate, "RateLimiter");
    if (checked === undefined) throw new RangeError("RateLimiter needs a finite maxRate");
    this.maxRate = checked;
  }

  /**
   * The number of records the batch at `time` may take; `previous` is the time the
   * interval starts at when no batch took records before (the zero time).
   * Unused allowance is not saved up: a quiet period does not allow a later burst.
   */
  allowance(time: number, previous: number): number {
    const from = this.#lastTime ?? previous;
    this.#lastTime = time;
    const exact = this.#carry + (this.maxRate * Math.max(0, time - from)) / 1000;
    const whole = Math.floor(exact);
    this.#carry = exact - whole;
    return whole;
  }

  /** The most records one interval of `durationMs` allows. */
  perInterval(durationMs: number): number {
    return Math.ceil((this.maxRate * durationMs) / 1000);
  }
}
