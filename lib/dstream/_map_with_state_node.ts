/**
 * The node of `mapWithState`: each batch touches only the keys that have records, plus
 * the keys that time out.
 *
 * @module
 */
import { isSome, none, type Option, some } from "fp-ts/lib/Option.js";
import type { RDD } from "../rdd/rdd.ts";
import { KeyMap } from "../rdd/_keys.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";
import type { Time } from "../time/duration.ts";
import { type DStream } from "./dstream.ts";
import { DStreamNode } from "./_node.ts";
import { lazyRDD, StepQueue } from "./_state_steps.ts";
import { isOption, pairsOf, reportUnobserved } from "./_state_common.ts";
import { type StateEntry, StateImpl } from "./_state_impl.ts";
import type { StateSpec } from "./state_spec.ts";
import type { MapWithStateDStream, StateData } from "./state.ts";
import { registerNodeState } from "./_node_state.ts";

const EMPTY: ReadonlyArray<never> = [];

/** What one mapWithState step produced: the mapped records, and the state if asked for. */
interface MapWithStateStep<K, S, E> {
  readonly mapped: ReadonlyArray<E>;
  snapshot: ReadonlyArray<readonly [K, S]> | undefined;
}

/**
 * The node of `mapWithState` (Spark's MapWithStateDStream): the mapped records of each
 * batch, plus the state of every key for `stateSnapshots()`.
 *
 * Each batch touches only the keys that have records, plus the keys that time out: the
 * state map is ordered by last update, so finding idle keys reads only those. The full
 * state is copied only for batches whose `stateSnapshots()` RDD is generated.
 */
export class MapWithStateNode<K, V, S, E> extends DStreamNode<E> implements MapWithStateDStream<K, V, S, E> {
  readonly #parent: DStreamNode<readonly [K, V]>;
  readonly #spec: StateSpec<K, V, S, E>;
  readonly #numPartitions: number;
  readonly #steps = new StepQueue<MapWithStateStep<K, S, E>>();
  /** Snapshot requests for steps not run yet (by batch time). */
  readonly #snapshotWanted = new Set<number>();
  /**
   * Canonical key → state, mutated in place by each step. With a timeout, entries are kept
   * in order of last update (an updated key moves to the end).
   */
  readonly #state = new KeyMap<K, StateEntry<S>>();
  #stateTime: number | undefined;
  #initialPending = true;

  constructor(parent: DStreamNode<readonly [K, V]>, spec: StateSpec<K, V, S, E>) {
    super(parent.context, "mapWithState", [parent as DStreamNode<unknown>], parent.slideDuration);
    this.#parent = parent;
    this.#spec = spec;
    this.#numPartitions = spec.getNumPartitions() ?? parent.context.defaultParallelism;
    registerNodeState<ReadonlyArray<readonly [K, S, number]>>(this as DStreamNode<unknown>, {
      snapshot: (time) => {
        const step = this.#steps.find(time);
        if (step?.status === "pending") {
          try {
            this.#steps.force(step);
          } catch {
            // A failed step left the state as it was; its error is reported when the batch is cleared.
          }
        }
        // The map changes in place with the next batch: copy it (in update order, which timeouts rely on).
        return this.#state.entries().map(([k, entry]) => [k, entry.state, entry.updated] as const);
      },
      restore: (entries, stateTime) => {
        for (const [k] of this.#state.entries()) this.#state.delete(k);
        for (const [k, state, updated] of entries) this.#state.set(k, { state, updated });
        this.#stateTime = stateTime.milliseconds;
        this.#initialPending = false;
      },
    });
  }

  override get keepsState(): boolean {
    return true;
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
    const store = this.#state;
    const t = time.milliseconds;
    const timeout = this.#spec.getTimeout()?.milliseconds;
    const mapping = this.#spec.mapping;
    // This batch's changes, applied to the map only once the whole batch succeeded:
    // an entry for an updated (or, with a timeout, touched) key, null for a removed one.
    const changes = new KeyMap<K, StateEntry<S> | null>();
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
            changes.set(key, { state: s, updated: t });
          }
        }
      }
      parentRDD?.foreach((kv) => {
        const k = kv[0];
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
      changes.forEach((change, k) => {
        if (change === null) store.delete(k);
        else {
          if (timeout !== undefined) store.delete(k); // moves the key to the end: the map stays in update order
          store.set(k, change);
        }
      });
      this.#stateTime = t;
      this.#initialPending = false;
      const wanted = this.#snapshotWanted.delete(t);
      return { mapped, snapshot: wanted ? this.#copyState() : undefined };
    } catch (error) {
      this.#snapshotWanted.delete(t);
      throw error;
    }
  }

  #copyState(): ReadonlyArray<readonly [K, S]> {
    return this.#state.entries().map(([k, entry]) => [k, entry.state] as const);
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

  stateSnapshots(): DStream<readonly [K, S]> {
    return new StateSnapshotsDStream(this);
  }

  stateData(): StateData<K, S> {
    return { time: this.#stateTime, entries: this.#state.entries().map(([k, e]) => [k, e.state, e.updated] as const) };
  }

  override clearOldRDDs(time: Time): void {
    super.clearOldRDDs(time);
    this.#steps.retire(time, (step) => reportUnobserved(this as DStreamNode<unknown>, step));
  }
}

/** The `stateSnapshots()` stream of a mapWithState node. */
class StateSnapshotsDStream<K, V, S, E> extends DStreamNode<readonly [K, S]> {
  readonly #core: MapWithStateNode<K, V, S, E>;

  constructor(core: MapWithStateNode<K, V, S, E>) {
    super(core.context, "stateSnapshots", [core as DStreamNode<unknown>], core.slideDuration);
    this.#core = core;
  }

  protected override compute(time: Time): RDD<readonly [K, S]> | undefined {
    return this.#core.snapshotAt(time);
  }
}

