/**
 * Pair and stateful operations against a reference model: straightforward
 * implementations over plain arrays of batches, fed the same random batch sequences
 * (random keys including tuple keys, empty and one-record batches, random partition
 * counts) as the dstreams, compared batch by batch: the same output times, the same
 * records (in any order where Spark's order is not defined).
 */
import t from "tap";
import fc from "fast-check";
import {
  cogroup,
  combineByKey,
  type DStream,
  filter,
  flatMapValues,
  fullOuterJoin,
  groupByKey,
  isSome,
  join,
  leftOuterJoin,
  map,
  mapWithState,
  none,
  type Option,
  pipe,
  rightOuterJoin,
  Seconds,
  some,
  type State,
  StateSpec,
  updateStateByKey,
} from "../mod.ts";
import { batchesOf, runOperation, sorted } from "./_harness.ts";

type Key = string | number | readonly [string, number];
type Pair = readonly [Key, number];
/** A record of either side of a two-stream operation: which side, key, value. */
type Sided = readonly ["L" | "R", Key, number];
type Batches<A> = ReadonlyArray<ReadonlyArray<A>>;
/** One output batch: its time in ms and its records. */
type Output<B> = readonly [number, ReadonlyArray<B>];

const RUNS = 50;

// -------------------------------------------------------------------------------------
// random input
// -------------------------------------------------------------------------------------

const keyArb: fc.Arbitrary<Key> = fc.oneof(
  fc.constantFrom<Key>("a", "b", "", "1"),
  fc.constantFrom<Key>(1, 2),
  // A fresh array each time: equal tuples must still be one key.
  fc.tuple(fc.constantFrom("a", "b"), fc.integer({ min: 0, max: 2 })).map(([s, n]): Key => [s, n]),
);

const valueArb = fc.integer({ min: -3, max: 9 });


const pairsArb = batchesOf(fc.tuple(keyArb, valueArb).map(([k, v]): Pair => [k, v]), { minBatches: 1, maxBatches: 10 });
const sidedArb = batchesOf(fc.tuple(fc.constantFrom<"L" | "R">("L", "R"), keyArb, valueArb).map(([s, k, v]): Sided => [s, k, v]), {
  minBatches: 1,
  maxBatches: 10,
});
const parallelismArb = fc.integer({ min: 1, max: 3 });

/** Runs `op` over `input` (plus `extra` batches with no input) and returns every batch's output. */
const run = async <A, B>(input: Batches<A>, parallelism: number, op: (d: DStream<A>) => DStream<B>, extra = 0): Promise<Array<Output<B>>> => {
  const { outputs, terminationError } = await runOperation(input, op, { parallelism, batches: input.length + extra });
  if (terminationError !== undefined) throw terminationError;
  return outputs.map(([time, records]) => [time, records]);
};

/** The two sides of sided input, as two pair streams. */
const sides = (s: DStream<Sided>) => {
  const side = (which: "L" | "R") =>
    pipe(s, filter((r: Sided) => r[0] === which), map((r: Sided): Pair => [r[1], r[2]]));
  return [side("L"), side("R")] as const;
};

// -------------------------------------------------------------------------------------
// the reference model
// -------------------------------------------------------------------------------------

const keyOf = (key: unknown): string => JSON.stringify(key);

/** Values per key in arrival order, keys in first-seen order. */
const groupsOf = (records: ReadonlyArray<Pair>): Map<string, [Key, number[]]> => {
  const groups = new Map<string, [Key, number[]]>();
  for (const [k, v] of records) {
    const group = groups.get(keyOf(k));
    if (group === undefined) groups.set(keyOf(k), [k, [v]]);
    else group[1].push(v);
  }
  return groups;
};

/** Per batch: the batch's output from its records. */
const perBatch = <A, B>(input: Batches<A>, f: (batch: ReadonlyArray<A>) => ReadonlyArray<B>): Array<Output<B>> =>
  input.map((batch, i) => [(i + 1) * 1000, f(batch)]);

const leftOf = (batch: ReadonlyArray<Sided>): Pair[] => batch.filter((r) => r[0] === "L").map((r): Pair => [r[1], r[2]]);
const rightOf = (batch: ReadonlyArray<Sided>): Pair[] => batch.filter((r) => r[0] === "R").map((r): Pair => [r[1], r[2]]);

/** Both sides' values of every key in either side. */
const cogroupOf = (batch: ReadonlyArray<Sided>): Array<readonly [Key, readonly [number[], number[]]]> => {
  const left = groupsOf(leftOf(batch));
  const right = groupsOf(rightOf(batch));
  const keys = new Map<string, Key>();
  for (const [j, [k]] of [...left, ...right]) if (!keys.has(j)) keys.set(j, k);
  return [...keys].map(([j, k]) => [k, [left.get(j)?.[1] ?? [], right.get(j)?.[1] ?? []]] as const);
};

const crossOf = <X, Y>(key: Key, xs: ReadonlyArray<X>, ys: ReadonlyArray<Y>) => xs.flatMap((x) => ys.map((y) => [key, [x, y]] as const));
const optionsOf = (values: ReadonlyArray<number>): ReadonlyArray<Option<number>> => (values.length === 0 ? [none] : values.map((v) => some(v)));

const expand = (v: number): number[] => (v > 0 ? [v, v * 10] : []);

/** updateStateByKey's function in the properties: sums, decays without values, drops out of range. */
const updateSum = (values: ReadonlyArray<number>, state: Option<number>): Option<number> => {
  const next = (isSome(state) ? state.value : 0) + values.reduce((a, b) => a + b, 0) - (values.length === 0 ? 1 : 0);
  return next < 0 || next > 20 ? none : some(next);
};

type Mapped = readonly [string, Key, ...number[]];

/** mapWithState's function in the properties: removes on multiples of 4, only reads on multiples of 3, else adds. */
const track = (key: Key, value: Option<number>, state: State<number>): Mapped => {
  if (state.isTimingOut()) return ["timeout", key, state.get()];
  const v = isSome(value) ? value.value : 0;
  if (v % 4 === 0 && state.exists()) {
    state.remove();
    return ["removed", key];
  }
  if (v % 3 === 0) return state.exists() ? ["read", key, state.get()] : ["read", key];
  state.update((state.exists() ? state.get() : 0) + v);
  return ["updated", key, state.get()];
};

const model = {
  flatMapValues: (input: Batches<Pair>) => perBatch(input, (batch) => batch.flatMap(([k, v]) => expand(v).map((w) => [k, w] as const))),

  groupByKey: (input: Batches<Pair>) => perBatch(input, (batch) => [...groupsOf(batch).values()]),

  combineByKey: (input: Batches<Pair>) =>
    perBatch(input, (batch) => [...groupsOf(batch).values()].map(([k, vs]) => [k, [vs.reduce((a, b) => a + b, 0), vs.length]] as const)),

  join: (input: Batches<Sided>) => perBatch(input, (batch) => cogroupOf(batch).flatMap(([k, [vs, ws]]) => crossOf(k, vs, ws))),
  leftOuterJoin: (input: Batches<Sided>) =>
    perBatch(input, (batch) => cogroupOf(batch).flatMap(([k, [vs, ws]]) => crossOf(k, vs, optionsOf(ws)))),
  rightOuterJoin: (input: Batches<Sided>) =>
    perBatch(input, (batch) => cogroupOf(batch).flatMap(([k, [vs, ws]]) => crossOf(k, optionsOf(vs), ws))),
  fullOuterJoin: (input: Batches<Sided>) =>
    perBatch(input, (batch) => cogroupOf(batch).flatMap(([k, [vs, ws]]) => crossOf(k, optionsOf(vs), optionsOf(ws)))),
  cogroup: (input: Batches<Sided>) => perBatch(input, cogroupOf),

  /** Every batch: call for every key with state or values; output the whole state. */
  updateStateByKey: (input: Batches<Pair>, initial: ReadonlyArray<Pair>) => {
    let state = new Map<string, [Key, number]>();
    for (const [k, s] of initial) if (!state.has(keyOf(k))) state.set(keyOf(k), [k, s]);
    return perBatch(input, (batch) => {
      const groups = groupsOf(batch);
      const next = new Map<string, [Key, number]>();
      const keys = new Map<string, Key>();
      for (const [j, [k]] of [...state, ...groups]) if (!keys.has(j)) keys.set(j, k);
      for (const [j, k] of keys) {
        const old = state.get(j);
        const result = updateSum(groups.get(j)?.[1] ?? [], old === undefined ? none : some(old[1]));
        if (isSome(result)) next.set(j, [k, result.value]);
      }
      state = next;
      return [...state.values()];
    });
  },

  /**
   * Every batch: one call per record in order, then one call per key idle for longer
   * than the timeout; returns the mapped records and the state after each batch.
   */
  mapWithState: (input: Batches<Pair>, timeout: number | undefined, initial: ReadonlyArray<Pair>) => {
    const state = new Map<string, { key: Key; state: number; updated: number }>();
    for (const [k, s] of initial) state.set(keyOf(k), { key: k, state: s, updated: 1000 });
    const mapped: Array<Output<Mapped>> = [];
    const snapshots: Array<Output<Pair>> = [];
    input.forEach((batch, i) => {
      const time = (i + 1) * 1000;
      const out: Mapped[] = [];
      for (const [k, v] of batch) {
        const entry = state.get(keyOf(k));
        if (v % 4 === 0 && entry !== undefined) {
          state.delete(keyOf(k));
          out.push(["removed", k]);
        } else if (v % 3 === 0) {
          if (entry !== undefined && timeout !== undefined) entry.updated = time;
          out.push(entry === undefined ? ["read", k] : ["read", k, entry.state]);
        } else {
          const total = (entry?.state ?? 0) + v;
          state.set(keyOf(k), { key: entry?.key ?? k, state: total, updated: time });
          out.push(["updated", k, total]);
        }
      }
      if (timeout !== undefined) {
        for (const [j, entry] of state) {
          if (entry.updated < time - timeout) {
            out.push(["timeout", entry.key, entry.state]);
            state.delete(j);
          }
        }
      }
      mapped.push([time, out]);
      snapshots.push([time, [...state.values()].map((e): Pair => [e.key, e.state])]);
    });
    return { mapped, snapshots };
  },
};

// -------------------------------------------------------------------------------------
// properties
// -------------------------------------------------------------------------------------

/** Outputs with each batch's records in a canonical order (Spark's order is not defined for keyed results). */
const canonical = <B>(outputs: ReadonlyArray<Output<B>>): string => JSON.stringify(outputs.map(([time, records]) => [time, sorted(records)]));

/** Resolves when every random input agrees with the model; rejects with the first counterexample. */
const check = <A>(input: fc.Arbitrary<Array<Array<A>>>, property: (batches: Batches<A>, parallelism: number) => Promise<boolean>) =>
  fc.assert(fc.asyncProperty(input, parallelismArb, property), { numRuns: RUNS });

const agrees = `${RUNS} random batch sequences agree with the model`;

t.test("flatMapValues matches the model", async (t) => {
  await t.resolves(check(pairsArb, async (input, p) =>
    canonical(await run(input, p, flatMapValues(expand))) === canonical(model.flatMapValues(input))), agrees);
});

t.test("groupByKey matches the model (values in arrival order)", async (t) => {
  await t.resolves(check(pairsArb, async (input, p) =>
    canonical(await run(input, p, groupByKey())) === canonical(model.groupByKey(input))), agrees);
});

t.test("combineByKey matches the model", async (t) => {
  const sumCount = combineByKey(
    (v: number): readonly [number, number] => [v, 1],
    (c: readonly [number, number], v: number): readonly [number, number] => [c[0] + v, c[1] + 1],
    (a: readonly [number, number], b: readonly [number, number]): readonly [number, number] => [a[0] + b[0], a[1] + b[1]],
  );
  await t.resolves(check(pairsArb, async (input, p) =>
    canonical(await run(input, p, sumCount)) === canonical(model.combineByKey(input))), agrees);
});

t.test("join, the outer joins and cogroup match the model", async (t) => {
  await t.resolves(check(sidedArb, async (input, p) => {
    // One after another: only one StreamingContext may run at a time.
    const ops: ReadonlyArray<(other: DStream<Pair>) => (self: DStream<Pair>) => DStream<unknown>> = [
      join,
      leftOuterJoin,
      rightOuterJoin,
      fullOuterJoin,
      cogroup,
    ];
    const results: Array<Array<Output<unknown>>> = [];
    for (const op of ops) {
      results.push(await run(input, p, (s): DStream<unknown> => {
        const [l, r] = sides(s);
        return pipe(l, op(r));
      }));
    }
    const expected: ReadonlyArray<ReadonlyArray<Output<unknown>>> = [model.join(input), model.leftOuterJoin(input), model.rightOuterJoin(input), model.fullOuterJoin(input), model.cogroup(input)];
    return results.every((actual, i) => canonical(actual) === canonical(expected[i] ?? []));
  }), agrees);
});

const initialArb = fc.array(fc.tuple(keyArb, fc.integer({ min: 0, max: 5 })).map(([k, s]): Pair => [k, s]), { maxLength: 3 });

t.test("updateStateByKey matches the model (with and without initial state)", async (t) => {
  await t.resolves(
    fc.assert(
      fc.asyncProperty(pairsArb, parallelismArb, initialArb, async (input, p, initial) => {
        const actual = await run(input, p, updateStateByKey(updateSum, initial.length === 0 ? {} : { initialRDD: initial }));
        return canonical(actual) === canonical(model.updateStateByKey(input, initial));
      }),
      { numRuns: RUNS },
    ),
    agrees,
  );
});

t.test("mapWithState and its stateSnapshots match the model (with and without timeout and initial state)", async (t) => {
  await t.resolves(
    fc.assert(
      fc.asyncProperty(
        pairsArb,
        parallelismArb,
        fc.option(fc.constantFrom(1000, 2000, 3000), { nil: undefined }),
        initialArb,
        async (input, p, timeout, initial) => {
          let spec = StateSpec.function(track);
          if (timeout !== undefined) spec = spec.timeout(Seconds(timeout / 1000));
          if (initial.length > 0) spec = spec.initialState(initial);
          // A few batches with no input, for keys to time out.
          const extra = 4;
          const padded = [...input, ...Array.from({ length: extra }, () => [])];
          const expected = model.mapWithState(padded, timeout, initial);
          const mapped = await run(input, p, mapWithState(spec), extra);
          const snapshots = await run(input, p, (s) => pipe(s, mapWithState(spec)).stateSnapshots(), extra);
          return canonical(mapped) === canonical(expected.mapped) && canonical(snapshots) === canonical(expected.snapshots);
        },
      ),
      { numRuns: RUNS },
    ),
    agrees,
  );
});
