// Keys as users mean them, for every keyed operation: for each kind of key, two values
// a user calls equal are one key, and a value a user calls different is another.
import t from "tap";
import {
  combineByKey,
  countByValueAndWindow,
  type DStream,
  getOrElse,
  groupByKey,
  groupByKeyAndWindow,
  join,
  keyBy,
  map,
  mapWithState,
  type Option,
  pipe,
  RDD,
  reduceByKey,
  reduceByKeyAndWindow,
  Seconds,
  some,
  type State,
  StateSpec,
  stateSnapshots,
  updateStateByKey,
} from "../mod.ts";
import { outputsOf } from "./_harness.ts";

class UserId {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }
  [keyBy](): string {
    return this.id;
  }
}
class Point {
  readonly x: number;
  constructor(x: number) {
    this.x = x;
  }
}
class Secret {
  readonly #value: number;
  constructor(value: number) {
    this.#value = value;
  }
  get value(): number {
    return this.#value;
  }
}

// [kind, a, a' (the same key as a), b (another key)]
const error = new Error("x");
const point = new Point(1);
const secret = new Secret(1);
const kinds: ReadonlyArray<readonly [string, unknown, unknown, unknown]> = [
  ["NaN is one key", NaN, NaN, 1],
  ["-0 equals 0", 0, -0, 1],
  ["strings", "a", "a", "A"],
  ["bigints", 1n, 1n, 2n],
  ["tuples by content", [1, "x"], [1, "x"], [1, "y"]],
  ["nested arrays", [[1], [2]], [[1], [2]], [[1, 2]]],
  ["plain objects, property order ignored", { a: 1, b: [2] }, { b: [2], a: 1 }, { a: 1, b: [3] }],
  ["Dates by time", new Date(5), new Date(5), new Date(6)],
  ["URLs by href", new URL("http://h/a"), new URL("http://h/a"), new URL("http://h/b")],
  ["RegExps by source and flags", /a/g, /a/g, /a/i],
  ["boxed numbers", new Number(1), new Number(1), new Number(2)],
  ["boxed strings", new String("a"), new String("a"), new String("b")],
  ["boxed booleans", new Boolean(true), new Boolean(true), new Boolean(false)],
  ["Maps by entries", new Map([[1, "x"]]), new Map([[1, "x"]]), new Map([[1, "y"]])],
  ["Sets by entries", new Set([1, 2]), new Set([2, 1]), new Set([1, 3])],
  ["typed arrays by bytes", new Uint8Array([1, 2]), new Uint8Array([1, 2]), new Uint8Array([1, 3])],
  ["[keyBy]() by its value", new UserId("ann"), new UserId("ann"), new UserId("bob")],
  ["Errors by identity", error, error, new Error("x")],
  ["class instances by identity", point, point, new Point(1)],
  ["classes with #private fields by identity", secret, secret, new Secret(1)],
];

type Pairs = ReadonlyArray<readonly [unknown, number]>;
const add = (x: number, y: number): number => x + y;
const sum = (xs: ReadonlyArray<number>): number => xs.reduce(add, 0);
const lengths = (pairs: ReadonlyArray<readonly [unknown, ReadonlyArray<unknown>]>): Pairs => pairs.map(([k, vs]) => [k, vs.length] as const);
const orZero = getOrElse(() => 0);

/** Runs a stream operation over one batch holding `records`; the batch's output. */
const firstBatch = async <B>(records: Pairs, operation: (s: DStream<readonly [unknown, number]>) => DStream<B>): Promise<ReadonlyArray<B>> =>
  (await outputsOf([records], operation))[0] ?? [];

// Each keyed operation, as [name, run, per-key totals expected for a (twice) and b (once)].
const operations: ReadonlyArray<readonly [string, (records: Pairs) => Promise<Pairs> | Pairs, number, number]> = [
  ["RDD reduceByKey", (r) => RDD.fromArray(r, 2).reduceByKey(add).collect(), 2, 1],
  ["RDD groupByKey", (r) => lengths(RDD.fromArray(r, 2).groupByKey().collect()), 2, 1],
  ["RDD combineByKey", (r) => RDD.fromArray(r, 2).combineByKey((v) => v, add, add).collect(), 2, 1],
  ["RDD aggregateByKey", (r) => RDD.fromArray(r, 2).aggregateByKey(0, add, add).collect(), 2, 1],
  ["RDD foldByKey", (r) => RDD.fromArray(r, 2).foldByKey(0, add).collect(), 2, 1],
  ["RDD countByKey", (r) => [...RDD.fromArray(r, 2).countByKey()], 2, 1],
  ["RDD cogroup", (r) => RDD.fromArray(r, 2).cogroup(RDD.fromArray(r)).mapValues(([vs, ws]) => vs.length + ws.length).collect(), 4, 2],
  ["RDD join", (r) => RDD.fromArray(r, 2).join(RDD.fromArray(r)).mapValues(() => 1).collect(), 4, 1],
  ["RDD leftOuterJoin", (r) => RDD.fromArray(r, 2).leftOuterJoin(RDD.fromArray(r)).mapValues(() => 1).collect(), 4, 1],
  ["RDD rightOuterJoin", (r) => RDD.fromArray(r, 2).rightOuterJoin(RDD.fromArray(r)).mapValues(() => 1).collect(), 4, 1],
  ["RDD fullOuterJoin", (r) => RDD.fromArray(r, 2).fullOuterJoin(RDD.fromArray(r)).mapValues(() => 1).collect(), 4, 1],
  ["RDD lookup", (r) => RDD.fromArray(r, 2).lookup(r[1]![0]).map((v) => [r[0]![0], v] as const).concat([[r[2]![0], 1]]), 2, 1],
  ["RDD countByValue", (r) => [...RDD.fromArray(r.map(([k]) => k), 2).countByValue()], 2, 1],
  ["RDD distinct", (r) => RDD.fromArray(r.map(([k]) => k), 2).distinct().map((k) => [k, 1] as const).collect(), 1, 1],
  ["DStream reduceByKey", (r) => firstBatch(r, (s) => pipe(s, reduceByKey(add))), 2, 1],
  ["DStream groupByKey", async (r) => lengths(await firstBatch(r, (s) => pipe(s, groupByKey()))), 2, 1],
  ["DStream combineByKey", (r) => firstBatch(r, (s) => pipe(s, combineByKey((v: number) => v, add, add))), 2, 1],
  ["DStream join", (r) => firstBatch(r, (s) => pipe(join(s, s), map(([k]): readonly [unknown, number] => [k, 1]))), 4, 1],
  ["DStream reduceByKeyAndWindow", (r) => firstBatch(r, (s) => pipe(s, reduceByKeyAndWindow(add, Seconds(2), Seconds(1)))), 2, 1],
  [
    "DStream reduceByKeyAndWindow with inverse",
    (r) => firstBatch(r, (s) => pipe(s, reduceByKeyAndWindow(add, (x: number, y: number) => x - y, Seconds(2), Seconds(1)))),
    2,
    1,
  ],
  [
    "DStream countByValueAndWindow",
    (r) => firstBatch(r, (s) => pipe(s, map(([k]) => k), countByValueAndWindow(Seconds(2), Seconds(1)))),
    2,
    1,
  ],
  ["DStream groupByKeyAndWindow", async (r) => lengths(await firstBatch(r, (s) => pipe(s, groupByKeyAndWindow(Seconds(2), Seconds(1))))), 2, 1],
  [
    "DStream updateStateByKey",
    (r) => firstBatch(r, (s) => pipe(s, updateStateByKey((values: ReadonlyArray<number>, state: Option<number>) => some(sum(values) + orZero(state))))),
    2,
    1,
  ],
  [
    "DStream mapWithState",
    (r) =>
      firstBatch(r, (s) =>
        pipe(
          s,
          mapWithState(StateSpec.function((_key: unknown, value: Option<number>, state: State<number>) => {
            state.update(orZero(value) + orZero(state.getOption()));
          })),
          stateSnapshots,
        )) as Promise<Pairs>,
    2,
    1,
  ],
];

/** The total per key, keys told apart by identity (the canonical key is the first seen: a). */
const totals = (pairs: Pairs): Map<unknown, number> => {
  const out = new Map<unknown, number>();
  for (const [k, n] of pairs) out.set(k, (out.get(k) ?? 0) + n);
  return out;
};

for (const [operation, run, forA, forB] of operations) {
  t.test(operation, async (t) => {
    for (const [kind, a, aAgain, b] of kinds) {
      const got = totals(await run([[a, 1], [aAgain, 1], [b, 1]]));
      t.same([got.size, got.get(a), got.get(b)], [2, forA, forB], kind);
    }
  });
}

t.test("a function is not a key: a clear error", async (t) => {
  t.throws(() => RDD.fromArray([[() => 1, 1]] as const).reduceByKey(add).collect(), /A function cannot be a key: keys compare by value/);
});
