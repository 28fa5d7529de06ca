// local[n]'s adaptive choice between the worker threads and the driver alone: the first
// batches go to the workers, which measure both ways at once (the driver times its own
// share), so no batch is spent on the slower way just to measure it; then each batch
// takes the faster way. To follow a change in the machine, while the driver alone is
// faster every 16th batch goes to the workers; while the workers are, every 64th runs
// alone (their batches keep measuring the driver's share). A way measured again after a gap
// takes its new figure, so one slow batch cannot keep a job on the slower way.
import t from "tap";
import { Cost, workersPay } from "../lib/context/_workers.ts";

/** A cost measured at `msPerRecord` (its first sample only warms up, as a batch's first run is cold). */
const measured = (msPerRecord: number): Cost => {
  const cost = new Cost();
  cost.add(999, 1, 0);
  cost.add(msPerRecord * 1000, 1000, 1);
  return cost;
};

t.test("until the workers' way is measured, batches go to the workers", async (t) => {
  t.equal(workersPay(0, new Cost(), new Cost()), true);
  t.equal(workersPay(1, new Cost(), measured(0.001)), true);
  const warmedOnly = new Cost();
  warmedOnly.add(5, 1000, 0);
  t.equal(warmedOnly.known, false, "a cost's first sample only warms it up");
  t.equal(workersPay(1, warmedOnly, measured(0.001)), true);
});

t.test("then the faster way: the workers every 16th batch while alone is faster, alone every 64th while the workers are", async (t) => {
  const fastWorkers = measured(0.0005);
  const slowerAlone = measured(0.001);
  const ways = Array.from({ length: 130 }, (_, n) => workersPay(n, fastWorkers, slowerAlone));
  t.strictSame(ways.map((w, n) => (w ? "" : n)).filter((n) => n !== ""), [63, 127], "alone only at the remeasures");
  const slowWorkers = measured(0.002);
  const ways2 = Array.from({ length: 32 }, (_, n) => workersPay(n, slowWorkers, slowerAlone));
  t.strictSame(ways2.map((w, n) => (w ? n : "")).filter((n) => n !== ""), [15, 31], "workers only at the remeasures");
});

t.test("a driver share with no records leaves the driver's cost unknown: the remeasure then runs it alone", async (t) => {
  const alone = new Cost();
  alone.add(3, 0, 0);
  alone.add(3, 0, 1);
  t.equal(alone.known, false);
  t.equal(workersPay(4, measured(0.001), alone), true);
  t.equal(workersPay(63, measured(0.001), alone), false);
});

t.test("consecutive batches are averaged (a mean at first); a remeasure after a gap starts over", async (t) => {
  const workers = new Cost();
  workers.add(50, 1000, 0); // cold: not counted
  workers.add(1000, 1000, 1); // one slow batch (a cold worker, another process)
  workers.add(600, 1000, 2);
  t.equal(workers.value, 0.8, "the mean of the first two");
  const alone = measured(0.7);
  t.equal(workersPay(3, workers, alone), false, "the driver alone measured faster");
  // While the driver alone is faster, batch 15 goes to the workers: steady now, 0.5 ms per 1000 records.
  t.equal(workersPay(15, workers, alone), true);
  workers.add(500, 1000, 15);
  t.equal(workers.value, 0.5, "the remeasure replaces the old figure");
  t.equal(workersPay(16, workers, alone), true, "so the next batch goes back to the workers");
  // Back on the workers, batch after batch: a moving average again.
  workers.add(900, 1000, 16);
  t.ok(workers.value > 0.5 && workers.value < 0.9, `averaged: ${workers.value}`);
});
