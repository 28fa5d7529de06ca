import t from "tap";
import { checkCompatibility, type GraphShape, type TodayNode } from "../lib/checkpoint/_compatibility.ts";
import { CheckpointMismatchError } from "../lib/checkpoint/errors.ts";

// The scenario as data. v1: a file input and a running count; v2 adds an upstream
// filter (names derived from structure, so the count keeps its name) and a new stateful
// node; v3 removes the running count.
const file = { name: "lines", role: "input", kind: "textFileStream", version: 1 } as const;
const counts = { name: "counts", role: "state", kind: "updateStateByKey", version: 1 } as const;
const window = { name: "recent", role: "state", kind: "reduceByKeyAndWindow", version: 1 } as const;
const sessions = { name: "sessions", role: "state", kind: "mapWithState", version: 1 } as const;
const shape = (nodes: ReadonlyArray<TodayNode>, windowLengthMs = 30_000, batchIntervalMs = 10_000): GraphShape<TodayNode> => ({
  batchIntervalMs,
  windows: [{ name: "recent", lengthMs: windowLengthMs, slideMs: 10_000 }],
  nodes,
});
const v1 = shape([file, counts, window]);
const v2 = shape([file, counts, window, sessions]);
const v3 = shape([file, window, sessions]);

t.test("v1 → v1: everything is restored", async (t) => {
  const plan = checkCompatibility(v1, v1);
  t.same(plan.restore.map((r) => r.name), ["lines", "counts", "recent"]);
  t.same(plan.startEmpty, []);
  t.same(plan.refused, []);
});

t.test("v1 → v2 (an upstream filter and a new stateful node): old state found, the new node starts empty", async (t) => {
  const plan = checkCompatibility(v1, v2);
  t.same(plan.restore, [{ name: "lines", migrate: false }, { name: "counts", migrate: false }, { name: "recent", migrate: false }]);
  t.same(plan.startEmpty, ["sessions"]);
  t.same(plan.refused, []);
  const strict = checkCompatibility(v1, v2, { allowNewNodes: false });
  t.same(strict.refused.map((r) => [r.name, r.rule]), [["sessions", "new-node-not-allowed"]]);
});

t.test("v2 → v3 (the running count removed): refused with a typed error naming it and the ways out", async (t) => {
  const plan = checkCompatibility(v2, v3);
  t.same(plan.refused.map((r) => [r.name, r.rule]), [["counts", "state-without-node"]]);
  const error = new CheckpointMismatchError(plan.refused);
  t.match(error.message, /counts \(updateStateByKey, state format 1\) has state in the checkpoint but no node of that name today/);
  t.match(error.message, /named\("counts"\)/);
  t.match(error.message, /discardState: \["counts"\]/);
});

t.test("v2 → v3 with discardState: it recovers, and the discarded state is listed", async (t) => {
  const plan = checkCompatibility(v2, v3, { discardState: ["counts"] });
  t.same(plan.refused, []);
  t.same(plan.discarded, ["counts"]);
  t.same(plan.restore.map((r) => r.name), ["lines", "recent", "sessions"]);
  const typo = checkCompatibility(v2, v3, { discardState: ["count"] });
  t.same(typo.refused.map((r) => [r.name, r.rule]), [["count", "unknown-discard"], ["counts", "state-without-node"]]);
  t.match(typo.refused[0]?.message, /which the checkpoint does not hold \(it holds "lines", "counts", "recent", "sessions"\)/);
});

t.test("a changed kind or state format is refused unless the codec migrates; discarding starts it empty", async (t) => {
  const kindChanged = shape([file, { ...counts, kind: "mapWithState" }, window]);
  t.same(checkCompatibility(v1, kindChanged).refused.map((r) => r.rule), ["kind-changed"]);
  t.same(checkCompatibility(v1, shape([file, { ...counts, kind: "mapWithState", migrates: true }, window])).restore[1], { name: "counts", migrate: true });
  const formatChanged = shape([file, { ...counts, version: 2 }, window]);
  const refusal = checkCompatibility(v1, formatChanged).refused[0];
  t.equal(refusal?.rule, "format-changed");
  t.match(refusal?.waysOut.join(" "), /migration function from version 1/);
  t.same(checkCompatibility(v1, shape([file, { ...counts, version: 2, migrates: true }, window])).refused, []);
  const discarded = checkCompatibility(v1, formatChanged, { discardState: ["counts"] });
  t.same([discarded.refused, discarded.startEmpty], [[], ["counts"]]);
});

t.test("a changed batch interval or window length is refused unless a migration says how", async (t) => {
  const interval = checkCompatibility(v1, shape([file, counts, window], 30_000, 5_000));
  t.same(interval.refused.map((r) => [r.name, r.rule]), [["batchInterval", "batch-interval-changed"]]);
  t.match(interval.refused[0]?.message, /from 10000 ms to 5000 ms/);
  t.same(checkCompatibility(v1, shape([file, counts, window], 30_000, 5_000), { migrateBatchTime: (ms) => ms }).refused, []);
  const length = checkCompatibility(v1, shape([file, counts, window], 60_000));
  t.same(length.refused.map((r) => [r.name, r.rule]), [["recent", "window-changed"]]);
  t.same(checkCompatibility(v1, shape([file, counts, window], 60_000), { migrateWindows: ["recent"] }).refused, []);
  t.same(checkCompatibility(v1, shape([file, counts, window], 60_000), { discardState: ["recent"] }).refused, []);
});
