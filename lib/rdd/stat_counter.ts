/**
 * `StatCounter`: the count, mean, variance, max and min of numbers in one pass, as
 * Spark's `rdd.stats()` returns them.
 *
 * @module
 */

/**
 * Summary statistics of numbers, computed in one pass (Welford's method, partitions
 * merged as Spark's `StatCounter.merge` does). What `RDD.stats()` returns.
 *
 * @example
 * ```ts
 * import { RDD } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const stats = RDD.fromArray([1, 2, 3, 4], 2).stats();
 * assert.equal(stats.count, 4);
 * assert.equal(stats.mean, 2.5);
 * assert.equal(stats.variance, 1.25);
 * assert.equal(stats.sampleVariance, 5 / 3);
 * assert.equal(String(stats), "(count: 4, mean: 2.500000, stdev: 1.118034, max: 4.000000, min: 1.000000)");
 * ```
 * @category model
 * @since 0.2.0
 */
export class StatCounter {
  #count = 0;
  #mean = 0;
  /** The sum of squared differences from the mean. */
  #m2 = 0;
  #max = -Infinity;
  #min = Infinity;

  constructor(values: Iterable<number> = []) {
    for (const value of values) this.add(value);
  }

  /** Adds one value. */
  add(value: number): this {
    const delta = value - this.#mean;
    this.#count += 1;
    this.#mean += delta / this.#count;
    this.#m2 += delta * (value - this.#mean);
    this.#max = Math.max(this.#max, value);
    this.#min = Math.min(this.#min, value);
    return this;
  }

  /** Adds every value `other` counted (Chan's parallel formula). */
  merge(other: StatCounter): this {
    if (other === this) return this.merge(other.copy());
    if (other.#count === 0) return this;
    if (this.#count === 0) {
      this.#count = other.#count;
      this.#mean = other.#mean;
      this.#m2 = other.#m2;
    } else {
      const delta = other.#mean - this.#mean;
      const n = this.#count + other.#count;
      if (other.#count * 10 < this.#count) this.#mean += (delta * other.#count) / n;
      else if (this.#count * 10 < other.#count) this.#mean = other.#mean - (delta * this.#count) / n;
      else this.#mean = (this.#mean * this.#count + other.#mean * other.#count) / n;
      this.#m2 += other.#m2 + (delta * delta * this.#count * other.#count) / n;
      this.#count = n;
    }
    this.#max = Math.max(this.#max, other.#max);
    this.#min = Math.min(this.#min, other.#min);
    return this;
  }

  copy(): StatCounter {
    return new StatCounter().merge(this);
  }

  get count(): number {
    return this.#count;
  }

  /** The mean; `NaN` when nothing was counted. */
  get mean(): number {
    return this.#count === 0 ? NaN : this.#mean;
  }

  get sum(): number {
    return this.#count * this.#mean;
  }

  /** The largest value; `-Infinity` when nothing was counted. */
  get max(): number {
    return this.#max;
  }

  /** The smallest value; `Infinity` when nothing was counted. */
  get min(): number {
    return this.#min;
  }

  /** The population variance (divided by n); `NaN` when nothing was counted. */
  get variance(): number {
    return this.#count === 0 ? NaN : this.#m2 / this.#count;
  }

  /** Spark's name for {@link StatCounter.variance}. */
  get popVariance(): number {
    return this.variance;
  }

  /** The sample variance (divided by n - 1); `NaN` for fewer than two values. */
  get sampleVariance(): number {
    return this.#count <= 1 ? NaN : this.#m2 / (this.#count - 1);
  }

  /** The population standard deviation. */
  get stdev(): number {
    return Math.sqrt(this.variance);
  }

  /** Spark's name for {@link StatCounter.stdev}. */
  get popStdev(): number {
    return this.stdev;
  }

  /** The sample standard deviation. */
  get sampleStdev(): number {
    return Math.sqrt(this.sampleVariance);
  }

  /** Spark's form: `(count: 4, mean: 2.500000, stdev: 1.118034, max: 4.000000, min: 1.000000)`. */
  toString(): string {
    const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(6) : x !== x ? "NaN" : x > 0 ? "Infinity" : "-Infinity");
    return `(count: ${this.#count}, mean: ${f(this.mean)}, stdev: ${f(this.stdev)}, max: ${f(this.max)}, min: ${f(this.min)})`;
  }
}
