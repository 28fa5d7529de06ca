/**
 * The node of `updateStateByKey` (Spark's StateDStream): every batch, the update
 * function for every key with new values or a state, and the full state as the batch's
 * output.
 *
 * @module
 */
import { isSome, none, type Option, some } from "fp-ts/lib/Option.js";
import type { RDD } from "../rdd/rdd.ts";
import { KeyMap } from "../rdd/_keys.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";
import type { Time } from "../time/duration.ts";
import { DStreamNode } from "./_node.ts";
import { lazyRDD, StepQueue } from "./_state_steps.ts";
import { type Initial, isOption, pairsOf, reportUnobserved } from "./_state_common.ts";
import type { StateData, StatefulDStream, UpdateFunction } from "./state.ts";
import { registerNodeState } from "./_node_state.ts";

const EMPTY: ReadonlyArray<never> = [];

/** `last` grown to hold at least `length` slots (doubling, so that new keys cost amortized constant time). */
const grown = (last: Int32Array, length: number): Int32Array<ArrayBuffer> => {
  const next = new Int32Array(Math.max(length, 2 * last.length, 1024));
  next.set(last);
  return next;
};

/** The values of the slot whose last record is `lastOfSlot` (1-based), in arrival order. */
const valuesOf = <V>(lastOfSlot: number, values: ReadonlyArray<V>, previous: ReadonlyArray<number>): V[] => {
  let r = previous[lastOfSlot - 1] as number;
  if (r === 0) return [values[lastOfSlot - 1] as V];
  const out: V[] = [values[lastOfSlot - 1] as V];
  for (; r !== 0; r = previous[r - 1] as number) out.push(values[r - 1] as V);
  return out.reverse();
};

/** The error of an update function that returned something other than an Option. */
const notAnOption = (name: string, result: unknown): Error =>
  userFunctionError(
    name,
    new TypeError(`updateStateByKey's function must return an Option (some(state), or none to remove the key), got ${typeof result}`),
  );

/**
 * The state of an updateStateByKey node: one index (key → slot, keys by value) that lives
 * as long as the node and changes only when keys come or go, and the `[key, state]` pairs
 * in slot order. Each step builds a new pairs array (so a throw leaves the state
 * untouched) and commits it; that array is also the batch's output, and no later step
 * changes it. A key whose state is unchanged (`Object.is`) keeps its pair from batch to
 * batch.
 */
interface StateTable<K, S> {
  readonly index: KeyMap<K, number>;
  readonly pairs: ReadonlyArray<readonly [K, S]>;
  /**
   * The pairs' keys and states by slot, changed only on commit, so that a step visits the
   * pair of a key only when its state changes: reading a million pairs scattered over
   * the heap cost more than the calls.
   */
  readonly keys: K[];
  readonly states: S[];
}

/** A table over `pairs`, whose slots are their positions (the keys are distinct). */
const tableOf = <K, S>(pairs: ReadonlyArray<readonly [K, S]>, index: KeyMap<K, number>): StateTable<K, S> => {
  const keys: K[] = [];
  const states: S[] = [];
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as readonly [K, S];
    keys.push(pair[0]);
    states.push(pair[1]);
  }
  return { index, pairs, keys, states };
};

export class StateDStream<K, V, S> extends DStreamNode<readonly [K, S]> implements StatefulDStream<K, S> {
  readonly #parent: DStreamNode<readonly [K, V]>;
  readonly #update: UpdateFunction<K, V, S>;
  readonly #numPartitions: number;
  #initial: Initial<K, S> | undefined;
  readonly #steps = new StepQueue<ReadonlyArray<readonly [K, S]>>();
  /** Key → state as of `#stateTime`. `pairs` is replaced by each step, never mutated. */
  #table: StateTable<K, S> = { index: new KeyMap(), pairs: [], keys: [], states: [] };
  /**
   * Per slot, while a step runs, 1 + the index of the slot's last record in the batch
   * (0: none; all 0 between steps), kept from batch to batch so that grouping costs no
   * per-batch array of all the keys. The records of one slot are chained backwards
   * through the step's `previous`; a slot's values array is built just before its call,
   * so it dies young instead of surviving the batch in a million-entry array.
   */
  #lastRecord: Int32Array<ArrayBuffer> = new Int32Array(0);
  #stateTime: number | undefined;
  /** True once restored from a checkpoint: the state exists before any batch of this run. */
  #restored = false;

  constructor(parent: DStreamNode<readonly [K, V]>, update: UpdateFunction<K, V, S>, numPartitions: number, initial: Initial<K, S> | undefined) {
    super(parent.context, "updateStateByKey", [parent as DStreamNode<unknown>], parent.slideDuration);
    this.#parent = parent;
    this.#update = update;
    this.#numPartitions = numPartitions;
    this.#initial = initial;
    registerNodeState<ReadonlyArray<readonly [K, S]>>(this as DStreamNode<unknown>, {
      snapshot: (time) => {
        const step = this.#steps.find(time);
        if (step?.status === "pending") {
          try {
            this.#steps.force(step);
          } catch {
            // A failed step left the state as it was; its error is reported when the batch is cleared.
          }
        }
        // Each step replaces the pairs array and never changes it afterwards.
        return this.#table.pairs;
      },
      restore: (pairs, stateTime) => {
        const index = new KeyMap<K, number>();
        for (let i = 0; i < pairs.length; i++) index.set(pairs[i]![0], i);
        this.#table = tableOf(pairs, index);
        this.#stateTime = stateTime.milliseconds;
        this.#initial = undefined;
        this.#restored = true;
      },
    });
  }

  override get keepsState(): boolean {
    return true;
  }

  protected override compute(time: Time): RDD<readonly [K, S]> | undefined {
    if (time.milliseconds <= this.#steps.lastTime) return undefined; // a past batch: its state is gone
    const parentRDD = this.#parent.getOrCompute(time);
    // Spark: the first batch without a parent RDD has no state RDD either.
    if (parentRDD === undefined && this.#steps.lastTime === Number.NEGATIVE_INFINITY && !this.#restored) return undefined;
    const step = this.#steps.add(time, () => this.#step(parentRDD, time));
    return lazyRDD(this.#numPartitions, () => this.#steps.force(step));
  }

  /** The state before the first batch, from `initialRDD` (for a repeated key the first pair wins). */
  #initialTable(initial: Initial<K, S>): StateTable<K, S> {
    const index = new KeyMap<K, number>();
    const pairs: Array<readonly [K, S]> = [];
    for (const [key, state] of pairsOf(initial, "updateStateByKey's initialRDD")) {
      if (index.has(key)) continue;
      index.set(key, pairs.length);
      pairs.push([key, state]);
    }
    return tableOf(pairs, index);
  }

  /** Advances the state by one batch; returns the full state after it. */
  #step(parentRDD: RDD<readonly [K, V]> | undefined, time: Time): ReadonlyArray<readonly [K, S]> {
    const name = this.name;
    const update = this.#update;
    // Keys first seen in this batch, in arrival order: they take the slots after the state's.
    const added: K[] = [];
    // The batch's values in arrival order, and for each, 1 + the index of the previous value of its slot (0: none).
    const values: V[] = [];
    const previous: number[] = [];
    let last = this.#lastRecord;
    let table: StateTable<K, S> | undefined;
    try {
      table = this.#initial === undefined ? this.#table : this.#initialTable(this.#initial);
      const { index, pairs, keys, states } = table;
      const n = pairs.length;
      if (last.length < n) last = this.#lastRecord = grown(last, n);
      // Group the batch's values by slot.
      parentRDD?.foreach((kv) => {
        let slot = index.get(kv[0]);
        if (slot === undefined) {
          slot = n + added.length;
          index.set(kv[0], slot);
          added.push(kv[0]);
          if (slot >= last.length) last = this.#lastRecord = grown(last, slot + 1);
        }
        values.push(kv[1]);
        previous.push(last[slot] as number);
        last[slot] = values.length;
      });
      // Call the function for keys with state (in state order), then for new keys (in
      // arrival order), building the new pairs: `out` stays undefined while they are the
      // old ones (a key whose state is the same value keeps its pair), and `w` counts them.
      // A kept key is read from `keys` and `states`, not from its pair, so an untouched key
      // costs no visit to its pair. Nothing but the index's new keys changes until every
      // call has returned.
      const total = n + added.length;
      let out: Array<readonly [K, S]> | undefined;
      let w = 0;
      const removed: number[] = [];
      // Slots below `n` whose state changed (no key was removed before them), to write into `states` on commit.
      const changed: number[] = [];
      for (let i = 0; i < total; i++) {
        const lastOfSlot = last[i] as number;
        let slotValues: ReadonlyArray<V> = EMPTY;
        if (lastOfSlot !== 0) {
          last[i] = 0;
          slotValues = valuesOf(lastOfSlot, values, previous);
        }
        const old = i < n;
        const k = old ? keys[i] as K : added[i - n] as K;
        const state = old ? states[i] as S : undefined;
        let result: Option<S>;
        try {
          result = update(slotValues, old ? some(state as S) : none, k, time);
        } catch (error) {
          throw userFunctionError(name, error);
        }
        if (!isOption(result)) throw notAnOption(name, result);
        if (isSome(result)) {
          if (old && Object.is(result.value, state)) {
            if (out !== undefined && w < i) out[w] = pairs[i] as readonly [K, S];
            w++;
          } else {
            // A copy of the old pairs (one block copy), changed where states change.
            out ??= pairs.slice();
            out[w] = [k, result.value];
            if (old && w === i) changed.push(i);
            w++;
          }
        } else {
          out ??= pairs.slice();
          removed.push(i);
        }
      }
      // Commit. Removed keys leave the index, and the keys after them move down.
      let kept: ReadonlyArray<readonly [K, S]> = pairs;
      if (out !== undefined) {
        if (w < out.length) out.length = w;
        kept = out;
      }
      // Slots from the first removed one on move down (every slot before it keeps its place).
      const firstMoved = removed.length > 0 ? removed[0] as number : total;
      for (const i of removed) index.delete(i < n ? keys[i] as K : added[i - n] as K);
      for (const i of changed) states[i] = (kept[i] as readonly [K, S])[1];
      // The columns past the first moved slot or the old keys are rebuilt from the pairs.
      const rebuildFrom = Math.min(n, firstMoved);
      keys.length = rebuildFrom;
      states.length = rebuildFrom;
      for (let j = rebuildFrom; j < w; j++) {
        const pair = kept[j] as readonly [K, S];
        keys.push(pair[0]);
        states.push(pair[1]);
        if (j >= firstMoved) index.set(pair[0], j);
      }
      this.#table = { index, pairs: kept, keys, states };
      this.#stateTime = time.milliseconds;
      this.#initial = undefined;
      return kept;
    } catch (error) {
      if (table === this.#table) for (const k of added) table.index.delete(k);
      last.fill(0); // a failed step may have left records behind
      throw error;
    }
  }

  stateData(): StateData<K, S> {
    const time = this.#stateTime;
    return { time, entries: this.#table.pairs.map(([k, s]) => [k, s, time ?? 0] as const) };
  }

  override clearOldRDDs(time: Time): void {
    super.clearOldRDDs(time);
    this.#steps.retire(time, (step) => reportUnobserved(this as DStreamNode<unknown>, step));
  }
}
