/**
 * Durations and batch times, as Spark Streaming names them.
 *
 * @module
 */

/**
 * A length of time in whole milliseconds, immutable.
 *
 * @category model
 * @since 0.1.0
 */
export class Duration {
  /** The length in milliseconds. */
  readonly milliseconds: number;

  constructor(milliseconds: number) {
    if (!Number.isSafeInteger(milliseconds)) {
      throw new RangeError(
        `A Duration must be a whole number of milliseconds, got ${String(milliseconds)}: round it, e.g. Milliseconds(Math.round(x))`,
      );
    }
    this.milliseconds = milliseconds;
  }

  plus(that: Duration): Duration {
    return new Duration(this.milliseconds + that.milliseconds);
  }

  minus(that: Duration): Duration {
    return new Duration(this.milliseconds - that.milliseconds);
  }

  times(factor: number): Duration {
    return new Duration(this.milliseconds * factor);
  }

  /** True when this duration is a whole multiple of `that` (Spark's `isMultipleOf`). */
  isMultipleOf(that: Duration): boolean {
    return that.milliseconds !== 0 && this.milliseconds % that.milliseconds === 0;
  }

  isZero(): boolean {
    return this.milliseconds === 0;
  }

  equals(that: Duration): boolean {
    return this.milliseconds === that.milliseconds;
  }

  /** Spark's form: `"<ms> ms"`. */
  toString(): string {
    return `${this.milliseconds} ms`;
  }
}

/**
 * A duration of `n` milliseconds.
 *
 * @example
 * ```ts
 * import { Milliseconds } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * assert.equal(Milliseconds(500).toString(), "500 ms");
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const Milliseconds = (n: number): Duration => new Duration(n);

/**
 * A duration of `n` seconds (fractions allowed down to the millisecond).
 *
 * @example
 * ```ts
 * import { Seconds } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * assert.equal(Seconds(10).milliseconds, 10_000);
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const Seconds = (n: number): Duration => new Duration(Math.round(n * 1000));

/**
 * A duration of `n` minutes.
 *
 * @category constructors
 * @since 0.1.0
 */
export const Minutes = (n: number): Duration => new Duration(Math.round(n * 60_000));

/**
 * A batch time: milliseconds since the epoch (or since a manual clock's zero), immutable.
 *
 * @category model
 * @since 0.1.0
 */
export class Time {
  readonly milliseconds: number;

  constructor(milliseconds: number) {
    if (!Number.isSafeInteger(milliseconds)) {
      throw new RangeError(`A Time must be a whole number of milliseconds, got ${String(milliseconds)}`);
    }
    this.milliseconds = milliseconds;
  }

  plus(d: Duration): Time {
    return new Time(this.milliseconds + d.milliseconds);
  }

  minus(d: Duration): Time {
    return new Time(this.milliseconds - d.milliseconds);
  }

  /** The duration from `that` to this time. */
  since(that: Time): Duration {
    return new Duration(this.milliseconds - that.milliseconds);
  }

  /** The latest multiple of `d` (counted from `zero`) at or before this time. */
  floor(d: Duration, zero: Time = new Time(0)): Time {
    const offset = this.milliseconds - zero.milliseconds;
    return new Time(zero.milliseconds + Math.floor(offset / d.milliseconds) * d.milliseconds);
  }

  isMultipleOf(d: Duration): boolean {
    return this.milliseconds % d.milliseconds === 0;
  }

  equals(that: Time): boolean {
    return this.milliseconds === that.milliseconds;
  }

  /** Spark's form: `"<ms> ms"`, as `pprint` shows it. */
  toString(): string {
    return `${this.milliseconds} ms`;
  }
}
