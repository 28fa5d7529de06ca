/**
 * Stateful operations on pair streams: `updateStateByKey` and `mapWithState`, with the
 * `State` handle and `StateSpec` builder Spark users know.
 *
 * Unlike Spark, no checkpoint directory is needed: each stateful node keeps its state
 * (one map, keyed by value) for as long as the context runs; checkpoints are for recovery
 * only. The state is plain data ({@link StatefulDStream.stateData}), so it can be saved
 * under the node's name. Also unlike Spark, `mapWithState` timeouts are checked at every
 * batch, not only at checkpoint batches, so an idle key times out at the first batch
 * after its timeout, not up to ten batches later.
 *
 * State advances once per batch, in batch order, when an output first reads the batch
 * (or, at the latest, when the batch is cleared). A user function that throws fails that
 * batch: its RDD rethrows the error, naming the operation, and the state stays as it was
 * before the batch, so later batches carry on from it.
 *
 * @module
 */
import { isSome, none, type Option, some } from "fp-ts/lib/Option.js";
import { RDD } from "../rdd/rdd.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";
import { Duration, type Time } from "../time/duration.ts";
import { DStream } from "./dstream.ts";
import type { Widen } from "./pair.ts";
import { lazyRDD, StateKeys, type Step, StepQueue } from "./_state_steps.ts";

const EMPTY: ReadonlyArray<never> = [];

const checkPartitions = (n: number | undefined, what: string): number | undefined => {
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 1)) {
    throw new RangeError(`${what} must be a positive whole number of partitions, got ${String(n)}`);
  }
  return n;
};

type Initial<K, S> = RDD<readonly [K, S]> | ReadonlyArray<readonly [K, S]>;

const checkInitial = <K, S>(initial: unknown, what: string): Initial<K, S> => {
  if (initial instanceof RDD || Array.isArray(initial)) return initial as Initial<K, S>;
  throw new TypeError(
    `${what} must be an RDD or an array of [key, state] pairs, got ${initial === null ? "null" : typeof initial}: e.g. [["a", 1], ["b", 2]]`,
  );
};

const pairsOf = <K, S>(initial: Initial<K, S>, what: string): ReadonlyArray<readonly [K, S]> => {
  const pairs = initial instanceof RDD ? initial.collect() : initial;
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError(`${what} must hold [key, state] pairs, got ${JSON.stringify(pair) ?? String(pair)}`);
    }
  }
  return pairs;
};

const isOption = (u: unknown): u is Option<unknown> =>
  typeof u === "object" && u !== null && ((u as { _tag?: unknown })._tag === "None" || (u as { _tag?: unknown })._tag === "Some");

/**
 * The state a stateful node holds, as plain data: the batch it is as of, and one
 * `[key, state, last updated (ms)]` per key. A checkpoint can save it under the node's
 * name.
 *
 * @category state
 * @since 0.1.0
 */
export interface StateData<K, S> {
  /** The batch time (ms) of the last step applied, or `undefined` before the first. */
  readonly time: number | undefined;
  readonly entries: ReadonlyArray<readonly [K, S, number]>;
}

/**
 * A node that keeps per-key state across batches.
 *
 * @category state
 * @since 0.1.0
 */
export interface StatefulDStream<K, S> {
  /** The node's stable name, under which its state would be saved. */
  readonly name: string;
  /** A copy of the state as of the last batch applied. */
  stateData(): StateData<K, S>;
}

/** Reports a batch's failed step that no output read (so no job reported it). */
const reportUnobserved = (node: DStream<unknown>, step: Step<unknown>): void => {
  const reason = step.error instanceof Error ? step.error.message : String(step.error);
  node.context.reportError(
    new Error(`Error updating the state of ${node.name} at time ${step.time}: ${reason}`, { cause: step.error }),
  );
};

// -------------------------------------------------------------------------------------
// updateStateByKey
// -------------------------------------------------------------------------------------

/**
 * Options for {@link updateStateByKey}.
 *
 * @category state
 * @since 0.1.0
 */
export interface UpdateStateOptions<K, S> {
  /** Partitions of each batch's state RDD (default: the context's default parallelism). */
  readonly numPartitions?: number;
  /**
   * The state before the first batch: an RDD or an array of `[key, state]` pairs. It is
   * merged with the first batch, so its keys are updated (with no values when the first
   * batch has none for them) and appear in the first batch's output.
   */
  readonly initialRDD?: RDD<readonly [K, S]> | ReadonlyArray<readonly [K, S]>;
}

/**
 * The function of {@link updateStateByKey}: a key's new values in this batch (in arrival
 * order; empty when it has none) and its state so far (`none` for a new key) give its
 * new state, or `none` to remove the key. The key and the batch time come last.
 *
 * @category state
 * @since 0.1.0
 */
export type UpdateFunction<K, V, S> = (values: ReadonlyArray<V>, state: Option<S>, key: K, time: Time) => Option<S>;

/** A new array of length `length` holding the first `count` of `pairs`. */
const prefixOf = <P>(pairs: ReadonlyArray<P>, count: number, length: number): P[] => {
  const out = new Array<P>(length);
  for (let j = 0; j < count; j++) out[j] = pairs[j] as P;
  return out;
};

/** The error of an update function that returned something other than an Option. */
const notAnOption = (name: string, result: unknown): Error =>
  userFunctionError(
    name,
    new TypeError(`updateStateByKey's function must return an Option (some(state), or none to remove the key), got ${typeof result}`),
  );

/**
 * The state of an updateStateByKey node: one index (canonical key → slot) that lives as
 * long as the node and changes only when keys come or go, and the `[key, state]` pairs in
 * slot order. Each step builds a new pairs array (so a throw leaves the state untouched)
 * and commits it; that array is also the batch's output, and no later step changes it.
 * A key whose state is unchanged (`Object.is`) keeps its pair from batch to batch.
 */
interface StateTable<K, S> {
  readonly index: Map<K, number>;
  readonly pairs: ReadonlyArray<readonly [K, S]>;
}

class StateDStream<K, V, S> extends DStream<readonly [K, S]> implements StatefulDStream<K, S> {
  readonly #parent: DStream<readonly [K, V]>;
  readonly #update: UpdateFunction<K, V, S>;
  readonly #numPartitions: number;
  #initial: Initial<K, S> | undefined;
  readonly #keys = new StateKeys();
  readonly #steps = new StepQueue<ReadonlyArray<readonly [K, S]>>();
  /** Key → state as of `#stateTime`. `pairs` is replaced by each step, never mutated. */
  #table: StateTable<K, S> = { index: new Map(), pairs: [] };
  /**
   * The batch's values per slot while a step runs (`undefined` between steps), kept
   * from batch to batch so that grouping costs no per-batch array of all the keys.
   */
  #pending: Array<V[] | undefined> = [];
  #stateTime: number | undefined;

  constructor(parent: DStream<readonly [K, V]>, update: UpdateFunction<K, V, S>, options: UpdateStateOptions<K, S>) {
    super(parent.context, "updateStateByKey", [parent as DStream<unknown>], parent.slideDuration);
    this.#parent = parent;
    this.#update = update;
    this.#numPartitions = options.numPartitions ?? parent.context.defaultParallelism;
    this.#initial = options.initialRDD;
  }

  protected override compute(time: Time): RDD<readonly [K, S]> | undefined {
    if (time.milliseconds <= this.#steps.lastTime) return undefined; // a past batch: its state is gone
    const parentRDD = this.#parent.getOrCompute(time);
    // Spark: the first batch without a parent RDD has no state RDD either.
    if (parentRDD === undefined && this.#steps.lastTime === Number.NEGATIVE_INFINITY) return undefined;
    const step = this.#steps.add(time, () => this.#step(parentRDD, time));
    return lazyRDD(this.#numPartitions, () => this.#steps.force(step));
  }

  /** The state before the first batch, from `initialRDD` (for a repeated key the first pair wins). */
  #initialTable(initial: Initial<K, S>, created: unknown[]): StateTable<K, S> {
    const index = new Map<K, number>();
    const pairs: Array<readonly [K, S]> = [];
    for (const [key, state] of pairsOf(initial, "updateStateByKey's initialRDD")) {
      const k = this.#keys.canonical(key, created);
      if (index.has(k)) continue;
      index.set(k, pairs.length);
      pairs.push([k, state]);
    }
    return { index, pairs };
  }

  /** Advances the state by one batch; returns the full state after it. */
  #step(parentRDD: RDD<readonly [K, V]> | undefined, time: Time): ReadonlyArray<readonly [K, S]> {
    const name = this.name;
    const interner = this.#keys;
    const update = this.#update;
    const created: unknown[] = [];
    // Keys first seen in this batch, in arrival order: they take the slots after the state's.
    const added: K[] = [];
    const pending = this.#pending;
    let table: StateTable<K, S> | undefined;
    try {
      table = this.#initial === undefined ? this.#table : this.#initialTable(this.#initial, created);
      const { index, pairs } = table;
      const n = pairs.length;
      if (pending.length > n) pending.length = n;
      while (pending.length < n) pending.push(undefined);
      // Group the batch's values by slot.
      parentRDD?.foreach((kv) => {
        const k = interner.canonical(kv[0], created);
        const slot = index.get(k);
        if (slot === undefined) {
          index.set(k, n + added.length);
          added.push(k);
          pending.push([kv[1]]);
          return;
        }
        const values = pending[slot];
        if (values === undefined) pending[slot] = [kv[1]];
        else values.push(kv[1]);
      });
      // Call the function for keys with state (in state order), then for new keys (in
      // arrival order), building the new pairs: `out` stays undefined while they are the
      // old ones (a key whose state is the same value keeps its pair), and `w` counts them.
      // Nothing but the index's new keys changes until every call has returned.
      const total = n + added.length;
      let out: Array<readonly [K, S]> | undefined;
      let w = 0;
      const removed: number[] = [];
      for (let i = 0; i < total; i++) {
        let values: ReadonlyArray<V> | undefined = pending[i];
        if (values === undefined) values = EMPTY;
        else pending[i] = undefined;
        const pair = i < n ? pairs[i] as readonly [K, S] : undefined;
        const k = pair === undefined ? added[i - n] as K : pair[0];
        let result: Option<S>;
        try {
          result = update(values, pair === undefined ? none : some(pair[1]), k, time);
        } catch (error) {
          throw userFunctionError(name, error);
        }
        if (!isOption(result)) throw notAnOption(name, result);
        if (isSome(result)) {
          if (pair !== undefined && Object.is(result.value, pair[1])) {
            if (out === undefined) w++;
            else out[w++] = pair;
          } else {
            out ??= prefixOf(pairs, w, total);
            out[w++] = [k, result.value];
          }
        } else {
          out ??= prefixOf(pairs, w, total);
          removed.push(i);
        }
      }
      // Commit. Removed keys leave the index, and the keys after them move down.
      let kept: ReadonlyArray<readonly [K, S]> = pairs;
      if (out !== undefined) {
        if (w < total) out.length = w;
        kept = out;
      }
      if (removed.length > 0) {
        for (const i of removed) {
          const k = i < n ? (pairs[i] as readonly [K, S])[0] : added[i - n] as K;
          index.delete(k);
          interner.release(k);
        }
        for (let j = removed[0] as number; j < w; j++) index.set((kept[j] as readonly [K, S])[0], j);
      }
      pending.length = w;
      for (const k of created) if (!index.has(k as K)) interner.release(k);
      this.#table = { index, pairs: kept };
      this.#stateTime = time.milliseconds;
      this.#initial = undefined;
      return kept;
    } catch (error) {
      if (table === this.#table) for (const k of added) table.index.delete(k);
      for (const k of created) if (!this.#table.index.has(k as K)) interner.release(k);
      this.#pending = []; // a failed step may have left values behind
      throw error;
    }
  }

  stateData(): StateData<K, S> {
    const time = this.#stateTime;
    return { time, entries: this.#table.pairs.map(([k, s]) => [k, s, time ?? 0] as const) };
  }

  override clearOldRDDs(time: Time): void {
    super.clearOldRDDs(time);
    this.#steps.retire(time, (step) => reportUnobserved(this, step));
  }
}

/**
 * Keeps a state per key across batches. Every batch, `updateFunc` is called for every key
 * that has new values or a state (keys without new values get an empty array), and the
 * batch's output is the full state: every key and its state. Returning `none` removes the
 * key. Optional `initialRDD` state is merged with the first batch.
 *
 * State lives in the context; no checkpoint directory is needed. Treat states and
 * records as immutable values: the state objects are shared with the batches' output
 * RDDs, and a key whose new state is the same value (`Object.is`) keeps the same
 * `[key, state]` record from batch to batch.
 *
 * @example
 * ```ts
 * import { isSome, type Option, some, updateStateByKey } from "@dstreams/dstreams";
 * // a running word count (Spark's BasicOperationsSuite "updateStateByKey")
 * const runningCount = updateStateByKey((values: ReadonlyArray<number>, state: Option<number>) =>
 *   some(values.reduce((a, b) => a + b, 0) + (isSome(state) ? state.value : 0)));
 * ```
 * @category state
 * @since 0.1.0
 */
export const updateStateByKey = <K, V, S>(
  updateFunc: UpdateFunction<K, Widen<V>, S>,
  // The key type comes from the stream, not from an initial RDD of literal keys.
  options: UpdateStateOptions<NoInfer<K>, S> = {},
): (self: DStream<readonly [K, V]>) => DStream<readonly [K, S]> & StatefulDStream<K, S> => {
  if (typeof updateFunc !== "function") {
    throw new TypeError(`updateStateByKey needs a function (values, state) => Option, got ${typeof updateFunc}`);
  }
  checkPartitions(options.numPartitions, "updateStateByKey's numPartitions");
  if (options.initialRDD !== undefined) checkInitial(options.initialRDD, "updateStateByKey's initialRDD");
  return (self: DStream<readonly [K, V]>): DStream<readonly [K, S]> & StatefulDStream<K, S> =>
    new StateDStream<K, Widen<V>, S>(self as DStream<readonly [K, Widen<V>]>, updateFunc, options);
};

// -------------------------------------------------------------------------------------
// State
// -------------------------------------------------------------------------------------

/**
 * A key's state as `mapWithState`'s function sees it: read it, update it, or remove it.
 * While a key is timing out (`isTimingOut()`), it can only be read.
 *
 * @category state
 * @since 0.1.0
 */
export interface State<S> {
  /** True when the key has a state. */
  exists(): boolean;
  /** The state; throws `State is not set` when there is none. */
  get(): S;
  /** The state as an Option. */
  getOption(): Option<S>;
  /** Sets the state; not after `remove()`, nor while timing out. */
  update(newState: S): void;
  /** Removes the key's state; not twice, nor while timing out. */
  remove(): void;
  /** True during the last call for a key that timed out: it is removed after it. */
  isTimingOut(): boolean;
  /** The state as text, or `<state not set>`. */
  toString(): string;
}

/** The one `State` a step reuses for every call (Spark's StateImpl). */
class StateImpl<S> implements State<S> {
  #state: S | undefined = undefined;
  #defined = false;
  #timingOut = false;
  #updated = false;
  #removed = false;

  exists(): boolean {
    return this.#defined;
  }

  get(): S {
    if (!this.#defined) throw new Error("State is not set: check state.exists() first, or use state.getOption()");
    return this.#state as S;
  }

  getOption(): Option<S> {
    return this.#defined ? some(this.#state as S) : none;
  }

  update(newState: S): void {
    if (this.#removed) {
      throw new Error("Cannot update the state after it has been removed: update() or remove() a key once per call");
    }
    if (this.#timingOut) {
      throw new Error("Cannot update the state that is timing out: the key is removed after this call; return what you need instead");
    }
    this.#state = newState;
    this.#defined = true;
    this.#updated = true;
  }

  remove(): void {
    if (this.#timingOut) {
      throw new Error("Cannot remove the state that is timing out: the key is removed after this call anyway");
    }
    if (this.#removed) throw new Error("Cannot remove the state that has already been removed");
    this.#state = undefined;
    this.#defined = false;
    this.#updated = false;
    this.#removed = true;
  }

  isTimingOut(): boolean {
    return this.#timingOut;
  }

  toString(): string {
    return this.#defined ? String(this.#state) : "<state not set>";
  }

  get isUpdated(): boolean {
    return this.#updated;
  }

  get isRemoved(): boolean {
    return this.#removed;
  }

  /** Prepares the handle for a call about a key whose state is `entry` (none if undefined). */
  wrap(entry: StateEntry<S> | undefined): void {
    this.#state = entry?.state;
    this.#defined = entry !== undefined;
    this.#timingOut = false;
    this.#updated = false;
    this.#removed = false;
  }

  /** Prepares the handle for the last call about a key that timed out. */
  wrapTimingOut(state: S): void {
    this.#state = state;
    this.#defined = true;
    this.#timingOut = true;
    this.#updated = false;
    this.#removed = false;
  }
}

// -------------------------------------------------------------------------------------
// StateSpec
// -------------------------------------------------------------------------------------

type MappingFunction<K, V, S, E> =
  | { readonly withTime: false; readonly f: (key: K, value: Option<V>, state: State<S>) => E }
  | { readonly withTime: true; readonly f: (time: Time, key: K, value: Option<V>, state: State<S>) => Option<E> };

interface SpecFields<K, V, S, E> {
  readonly mapping: MappingFunction<K, V, S, E>;
  readonly initial: Initial<K, S> | undefined;
  readonly numPartitions: number | undefined;
  readonly timeout: Duration | undefined;
}

/**
 * What `mapWithState` does: the mapping function, and optionally the initial state, the
 * number of partitions and the idle timeout. Immutable: each builder method returns a new
 * spec.
 *
 * @example
 * ```ts
 * import { type Option, Seconds, type State, StateSpec } from "@dstreams/dstreams";
 * const spec = StateSpec.function((word: string, one: Option<number>, state: State<number>) => {
 *   const sum = (one._tag === "Some" ? one.value : 0) + (state.exists() ? state.get() : 0);
 *   state.update(sum);
 *   return [word, sum] as const;
 * }).timeout(Seconds(30));
 * ```
 * @category state
 * @since 0.1.0
 */
export class StateSpec<K, V, S, E> {
  readonly #fields: SpecFields<K, V, S, E>;

  private constructor(fields: SpecFields<K, V, S, E>) {
    this.#fields = fields;
  }

  /**
   * A spec from `(key, value, state) => mapped`: called once per record of each batch
   * (`value` is `some`), and once more, with `none`, for a key that timed out; each
   * returned value is one record of the mapped stream.
   */
  static function<K, V, S, E>(f: (key: K, value: Option<V>, state: State<S>) => E): StateSpec<K, V, S, E> {
    if (typeof f !== "function") throw new TypeError(`StateSpec.function needs a function (key, value, state) => mapped, got ${typeof f}`);
    return new StateSpec<K, V, S, E>({ mapping: { withTime: false, f }, initial: undefined, numPartitions: undefined, timeout: undefined });
  }

  /**
   * A spec from `(time, key, value, state) => Option<mapped>` (Spark's form with the batch
   * time): a `none` result adds no record.
   */
  static functionWithTime<K, V, S, E>(
    f: (time: Time, key: K, value: Option<V>, state: State<S>) => Option<E>,
  ): StateSpec<K, V, S, E> {
    if (typeof f !== "function") {
      throw new TypeError(`StateSpec.functionWithTime needs a function (time, key, value, state) => Option, got ${typeof f}`);
    }
    return new StateSpec<K, V, S, E>({ mapping: { withTime: true, f }, initial: undefined, numPartitions: undefined, timeout: undefined });
  }

  /** The state before the first batch: an RDD or an array of `[key, state]` pairs. */
  initialState(initial: RDD<readonly [K, S]> | ReadonlyArray<readonly [K, S]>): StateSpec<K, V, S, E> {
    return new StateSpec({ ...this.#fields, initial: checkInitial<K, S>(initial, "StateSpec.initialState") });
  }

  /** Partitions of the mapped and snapshot RDDs (default: the context's default parallelism). */
  numPartitions(n: number): StateSpec<K, V, S, E> {
    return new StateSpec({ ...this.#fields, numPartitions: checkPartitions(n, "StateSpec.numPartitions") });
  }

  /**
   * Removes a key idle for longer than `idle` (no record for it, at every batch after
   * `idle` has passed since its last one): the function is called one last time with
   * `none` and `state.isTimingOut()` true, then the key is dropped. Unlike Spark, which
   * looks for idle keys only at checkpoint batches (every tenth batch by default), every
   * batch looks, so a key times out at the first batch more than `idle` after its last
   * record.
   */
  timeout(idle: Duration): StateSpec<K, V, S, E> {
    if (!(idle instanceof Duration) || idle.milliseconds <= 0) {
      throw new TypeError(`StateSpec.timeout needs a positive Duration such as Seconds(30), got ${String(idle)}`);
    }
    return new StateSpec({ ...this.#fields, timeout: idle });
  }

  /** The initial state, if set. */
  getInitialState(): RDD<readonly [K, S]> | ReadonlyArray<readonly [K, S]> | undefined {
    return this.#fields.initial;
  }

  /** The number of partitions, if set. */
  getNumPartitions(): number | undefined {
    return this.#fields.numPartitions;
  }

  /** The idle timeout, if set. */
  getTimeout(): Duration | undefined {
    return this.#fields.timeout;
  }

  /** @internal */
  get mapping(): MappingFunction<K, V, S, E> {
    return this.#fields.mapping;
  }
}

// -------------------------------------------------------------------------------------
// mapWithState
// -------------------------------------------------------------------------------------

/** A key's state and the batch time (ms) it was last updated or touched at. */
interface StateEntry<S> {
  readonly state: S;
  readonly updated: number;
}

/** What one mapWithState step produced: the mapped records, and the state if asked for. */
interface MapWithStateStep<K, S, E> {
  readonly mapped: ReadonlyArray<E>;
  snapshot: ReadonlyArray<readonly [K, S]> | undefined;
}

/**
 * The stream `mapWithState` returns: the mapped records of each batch, plus
 * {@link MapWithStateDStream.stateSnapshots} for the state of every key.
 *
 * Each batch touches only the keys that have records, plus the keys that time out: the
 * state map is ordered by last update, so finding idle keys reads only those. The full
 * state is copied only for batches whose `stateSnapshots()` RDD is generated.
 *
 * @category state
 * @since 0.1.0
 */
export class MapWithStateDStream<K, V, S, E> extends DStream<E> implements StatefulDStream<K, S> {
  readonly #parent: DStream<readonly [K, V]>;
  readonly #spec: StateSpec<K, V, S, E>;
  readonly #numPartitions: number;
  readonly #keys = new StateKeys();
  readonly #steps = new StepQueue<MapWithStateStep<K, S, E>>();
  /** Snapshot requests for steps not run yet (by batch time). */
  readonly #snapshotWanted = new Set<number>();
  /**
   * Canonical key → state, mutated in place by each step. With a timeout, entries are kept
   * in order of last update (an updated key moves to the end).
   */
  readonly #state = new Map<K, StateEntry<S>>();
  #stateTime: number | undefined;
  #initialPending = true;

  constructor(parent: DStream<readonly [K, V]>, spec: StateSpec<K, V, S, E>) {
    super(parent.context, "mapWithState", [parent as DStream<unknown>], parent.slideDuration);
    this.#parent = parent;
    this.#spec = spec;
    this.#numPartitions = spec.getNumPartitions() ?? parent.context.defaultParallelism;
  }

  protected override compute(time: Time): RDD<E> | undefined {
    if (time.milliseconds <= this.#steps.lastTime) return undefined; // a past batch: its state is gone
    // Spark: a batch without a parent RDD is an empty batch (state still times out).
    const parentRDD = this.#parent.getOrCompute(time);
    const step = this.#steps.add(time, () => this.#step(parentRDD, time));
    return lazyRDD(this.#numPartitions, () => this.#steps.force(step).mapped);
  }

  /** Applies one batch to the state map; on failure the map is left as it was. */
  #step(parentRDD: RDD<readonly [K, V]> | undefined, time: Time): MapWithStateStep<K, S, E> {
    const name = this.name;
    const keys = this.#keys;
    const store = this.#state;
    const t = time.milliseconds;
    const timeout = this.#spec.getTimeout()?.milliseconds;
    const mapping = this.#spec.mapping;
    const created: unknown[] = [];
    // This batch's changes, applied to the map only once the whole batch succeeded:
    // an entry for an updated (or, with a timeout, touched) key, null for a removed one.
    const changes = new Map<K, StateEntry<S> | null>();
    const lookup = (k: K): StateEntry<S> | undefined => {
      const change = changes.get(k);
      return change === undefined ? store.get(k) : change ?? undefined;
    };
    const mapped: E[] = [];
    const state = new StateImpl<S>();
    const call = (key: K, value: Option<V>): void => {
      try {
        if (mapping.withTime) {
          const out = mapping.f(time, key, value, state);
          if (!isOption(out)) {
            throw new TypeError(`StateSpec.functionWithTime's function must return an Option (some(record) or none), got ${typeof out}`);
          }
          if (isSome(out)) mapped.push(out.value);
        } else {
          mapped.push(mapping.f(key, value, state));
        }
      } catch (error) {
        throw userFunctionError(name, error);
      }
    };
    try {
      if (this.#initialPending) {
        const initial = this.#spec.getInitialState();
        // Spark stamps the initial state with the first batch's time; a repeated key keeps the last pair.
        if (initial !== undefined) {
          for (const [key, s] of pairsOf(initial, "StateSpec.initialState")) {
            changes.set(keys.canonical(key, created), { state: s, updated: t });
          }
        }
      }
      parentRDD?.foreach((kv) => {
        const k = keys.canonical(kv[0], created);
        state.wrap(lookup(k));
        call(kv[0], some(kv[1]));
        if (state.isRemoved) changes.set(k, null);
        else if (state.isUpdated || (timeout !== undefined && state.exists())) changes.set(k, { state: state.get(), updated: t });
      });
      if (timeout !== undefined) {
        // Idle keys: last updated before t − timeout. The map is in update order, so stop at
        // the first recent key; keys touched in this batch are skipped (their change is newer).
        const threshold = t - timeout;
        for (const [k, entry] of store) {
          if (entry.updated >= threshold) break;
          if (changes.has(k)) continue;
          state.wrapTimingOut(entry.state);
          call(k, none);
          changes.set(k, null);
        }
      }
      // Commit.
      for (const [k, change] of changes) {
        if (change === null) {
          if (store.delete(k)) keys.release(k);
        } else {
          if (timeout !== undefined) store.delete(k); // moves the key to the end: the map stays in update order
          store.set(k, change);
        }
      }
      for (const k of created) if (!store.has(k as K)) keys.release(k);
      this.#stateTime = t;
      this.#initialPending = false;
      const wanted = this.#snapshotWanted.delete(t);
      return { mapped, snapshot: wanted ? this.#copyState() : undefined };
    } catch (error) {
      for (const k of created) if (!store.has(k as K)) keys.release(k);
      this.#snapshotWanted.delete(t);
      throw error;
    }
  }

  #copyState(): ReadonlyArray<readonly [K, S]> {
    return Array.from(this.#state, ([k, entry]) => [k, entry.state] as const);
  }

  /** The RDD of every key's state after the batch at `time` (used by stateSnapshots). */
  snapshotAt(time: Time): RDD<readonly [K, S]> | undefined {
    if (this.getOrCompute(time) === undefined) return undefined;
    const step = this.#steps.find(time);
    if (step === undefined) return undefined;
    if (step.status === "pending") this.#snapshotWanted.add(time.milliseconds);
    else if (step.status === "done" && step.result !== undefined && step.result.snapshot === undefined) {
      // Asked for after the step ran: copy now if the state has not moved on since.
      if (!this.#steps.isLatestRun(step)) {
        throw new Error(
          `${this.name}'s state at time ${time} is no longer available: build stateSnapshots() before the context starts`,
        );
      }
      step.result.snapshot = this.#copyState();
    }
    return lazyRDD(this.#numPartitions, () => this.#steps.force(step).snapshot ?? EMPTY);
  }

  /**
   * A stream of every key's state after each batch (Spark's `stateSnapshots`).
   *
   * @example
   * ```ts
   * import type { MapWithStateDStream } from "@dstreams/dstreams";
   * const snapshotsOf = (counts: MapWithStateDStream<string, number, number, number>) =>
   *   counts.stateSnapshots(); // DStream<readonly [string, number]>
   * ```
   */
  stateSnapshots(): DStream<readonly [K, S]> {
    return new StateSnapshotsDStream(this);
  }

  stateData(): StateData<K, S> {
    return { time: this.#stateTime, entries: Array.from(this.#state, ([k, e]) => [k, e.state, e.updated] as const) };
  }

  override clearOldRDDs(time: Time): void {
    super.clearOldRDDs(time);
    this.#steps.retire(time, (step) => reportUnobserved(this, step));
  }
}

/** The `stateSnapshots()` stream of a mapWithState node. */
class StateSnapshotsDStream<K, V, S, E> extends DStream<readonly [K, S]> {
  readonly #core: MapWithStateDStream<K, V, S, E>;

  constructor(core: MapWithStateDStream<K, V, S, E>) {
    super(core.context, "stateSnapshots", [core as DStream<unknown>], core.slideDuration);
    this.#core = core;
  }

  protected override compute(time: Time): RDD<readonly [K, S]> | undefined {
    return this.#core.snapshotAt(time);
  }
}

/**
 * Keeps a state per key and maps each record with it, as `spec` says (see
 * {@link StateSpec}): the function is called once per record, in arrival order, so a key
 * with three records in a batch is called three times, each call seeing the state the
 * previous one left; keys without records are not called (unlike `updateStateByKey`),
 * except once when they time out. The result is the stream of returned values; call
 * `stateSnapshots()` on it for the state itself.
 *
 * @example
 * ```ts
 * import { mapWithState, type Option, type State, StateSpec } from "@dstreams/dstreams";
 * // Spark's MapWithStateSuite "mapWithState - basic operations with simple API"
 * const runningCount = mapWithState(StateSpec.function((key: string, value: Option<number>, state: State<number>) => {
 *   const sum = (value._tag === "Some" ? value.value : 0) + (state.exists() ? state.get() : 0);
 *   state.update(sum);
 *   return sum;
 * }));
 * ```
 * @category state
 * @since 0.1.0
 */
export const mapWithState = <K, V, S, E>(
  spec: StateSpec<K, V, S, E>,
): (self: DStream<readonly [K, V]>) => MapWithStateDStream<K, V, S, E> => {
  if (!(spec instanceof StateSpec)) {
    throw new TypeError("mapWithState needs a StateSpec: build one with StateSpec.function((key, value, state) => …)");
  }
  return (self: DStream<readonly [K, V]>): MapWithStateDStream<K, V, S, E> => new MapWithStateDStream(self, spec);
};

/**
 * Data-last `stateSnapshots`: every key's state after each batch of a `mapWithState` stream.
 *
 * @category state
 * @since 0.1.0
 */
export const stateSnapshots = () => <K, V, S, E>(self: MapWithStateDStream<K, V, S, E>): DStream<readonly [K, S]> =>
  self.stateSnapshots();
