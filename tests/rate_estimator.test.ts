/**
 * Spark's PID rate estimator, case by case: what the first batch does, when a batch
 * tells nothing, that the rate follows the processing speed, and that it never goes
 * below minRate (SPARK-9966: a rate of 0 would stop an input for good).
 */
import t from "tap";
import { PIDRateEstimator } from "../lib/context/_rate_estimator.ts";

t.test("the first batch with records only seeds the estimate; the second gives a rate", async (t) => {
  const estimator = new PIDRateEstimator(1000);
  t.equal(estimator.compute(1000, 500, 500, 0), undefined, "first measurement: no rate yet");
  t.equal(estimator.compute(2000, 500, 500, 0), 1000, "processed at 1000/s with no delay: 1000/s");
});

t.test("a batch without records, without processing time, or not later than the last one tells nothing", async (t) => {
  const estimator = new PIDRateEstimator(1000);
  estimator.compute(1000, 500, 500, 0);
  t.equal(estimator.compute(2000, 0, 500, 0), undefined, "no records");
  t.equal(estimator.compute(2000, 500, 0, 0), undefined, "no processing time");
  t.equal(estimator.compute(1000, 500, 500, 0), undefined, "the same time again");
  t.equal(estimator.compute(500, 500, 500, 0), undefined, "an earlier time");
  t.equal(estimator.compute(2000, 300, 600, 0), 500);
});

t.test("with no error and no delay the rate follows the processing speed", async (t) => {
  const estimator = new PIDRateEstimator(1000);
  estimator.compute(1000, 1000, 1000, 0);
  const rates: Array<number | undefined> = [];
  for (let i = 2; i <= 6; i++) rates.push(estimator.compute(i * 1000, 1000, 1000, 0));
  t.same(rates, [1000, 1000, 1000, 1000, 1000]);
});

t.test("a scheduling delay (a backlog) pushes the rate below the processing speed, so the backlog drains", async (t) => {
  const estimator = new PIDRateEstimator(1000);
  estimator.compute(1000, 1000, 1000, 0);
  const rate = estimator.compute(2000, 1000, 1000, 2000)!;
  // error 0; historical error = 2000 ms × 1000/s / 1000 ms = 2000/s; rate = 1000 − 0.2 × 2000.
  t.equal(rate, 600);
  t.ok(rate < 1000);
});

t.test("the rate never goes below minRate, however slow or late the batches (SPARK-9966)", async (t) => {
  const estimator = new PIDRateEstimator(1000);
  estimator.compute(1000, 10, 10_000, 0);
  let time = 1000;
  for (let i = 0; i < 50; i++) {
    time += 1000;
    const rate = estimator.compute(time, 1 + (i % 7), 5_000 + i * 997, 60_000 * (i % 5));
    if (rate !== undefined) t.ok(rate >= 100, `batch ${i}: ${rate} >= 100`);
  }
  const low = new PIDRateEstimator(1000, { minRate: 0.5 });
  low.compute(1000, 1, 100_000, 0);
  t.equal(low.compute(2000, 1, 100_000, 1_000_000), 0.5, "a custom minRate is the floor");
});

t.test("bad settings are refused with Spark's rules", async (t) => {
  t.throws(() => new PIDRateEstimator(0), /batch interval must be positive/);
  t.throws(() => new PIDRateEstimator(1000, { proportional: -1 }), /proportional term of the PID rate estimator must be a finite number >= 0/);
  t.throws(() => new PIDRateEstimator(1000, { integral: Number.NaN }), /integral term/);
  t.throws(() => new PIDRateEstimator(1000, { minRate: 0 }), /minRate must be a positive number of records per second/);
});
