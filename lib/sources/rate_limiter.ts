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
 * Checks a rate option other than `maxRate` (`initialRate`, `minRate`): a positive,
 * finite number of records per second, or `undefined`.
 */
export const checkRate = (rate: unknown, name: string, where: string): number | undefined => {
  if (rate === undefined) return undefined;
  if (typeof rate !== "number" || !(rate > 0) || !Number.isFinite(rate)) {
    throw new RangeError(
      `${where}'s ${name} must be a positive, finite number of records per second, got ${JSON.stringify(rate) ?? typeof rate}: use e.g. { ${name}: 1000 }`,
    );
  }
  return rate;
};

/**
 * Checks the backpressure options (`backpressure`, `initialRate`, `minRate`) and returns
 * those that are set.
 */
export const checkRateSettings = (
  options: { readonly backpressure?: unknown; readonly initialRate?: unknown; readonly minRate?: unknown },
  where: string,
): { readonly backpressure?: boolean; readonly initialRate?: number; readonly minRate?: number } => {
  const { backpressure } = options;
  if (backpressure !== undefined && typeof backpressure !== "boolean") {
    throw new TypeError(`${where}'s backpressure must be true or false, got ${JSON.stringify(backpressure) ?? typeof backpressure}`);
  }
  const initialRate = checkRate(options.initialRate, "initialRate", where);
  const minRate = checkRate(options.minRate, "minRate", where);
  return {
    ...(backpressure === undefined ? {} : { backpressure }),
    ...(initialRate === undefined ? {} : { initialRate }),
    ...(minRate === undefined ? {} : { minRate }),
  };
};

/**
 * The whole records an interval from `fromMs` to `toMs` allows at `rate` records per
 * second, with the fraction owed from earlier intervals (`carry`, below 1) and the new
 * fraction owed. Rounding down and carrying the rest means no batch is ever larger than
 * the rate allows (SPARK-18371), and a small rate still lets records through over time.
 */
export const recordsAllowed = (rate: number, fromMs: number, toMs: number, carry: number): { readonly whole: number; readonly carry: number } => {
  const exact = carry + (rate * Math.max(0, toMs - fromMs)) / 1000;
  // The epsilon keeps sums of fractions (0.1 + 0.1 + …) from losing a record to rounding.
  const whole = Math.floor(exact + 1e-9);
  return { whole, carry: Math.max(0, exact - whole) };
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
    const { whole, carry } = recordsAllowed(this.maxRate, from, time, this.#carry);
    this.#carry = carry;
    return whole;
  }

  /** The most records one interval of `durationMs` allows. */
  perInterval(durationMs: number): number {
    return Math.ceil((this.maxRate * durationMs) / 1000);
  }
}
