/**
 * What `mapWithState` does: the {@link StateSpec} built from the user's mapping function,
 * and the {@link State} handle that function reads and updates a key's state through.
 *
 * @module
 */
import type { Option } from "fp-ts/lib/Option.js";
import type { RDD } from "../rdd/rdd.ts";
import { Duration, type Time } from "../time/duration.ts";
import { checkOptionalPartitions } from "./_checks.ts";
import { checkInitial, type Initial } from "./_state_common.ts";

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

// -------------------------------------------------------------------------------------
// StateSpec
// -------------------------------------------------------------------------------------

export type MappingFunction<K, V, S, E> =
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
 * import { foreachRDD, getOrElse, ManualClock, mapWithState, type Option, pipe, Seconds, SparkContext, type State, StateSpec, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const spec = StateSpec.function((word: string, one: Option<number>, state: State<number>) => {
 *   const sum = pipe(one, getOrElse(() => 0)) + (state.exists() ? state.get() : 0);
 *   state.update(sum);
 *   return [word, sum] as const;
 * }).timeout(Seconds(30));
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: unknown[] = [];
 * pipe(
 *   ssc.queueStream([[["a", 1] as const], [["a", 2] as const]]),
 *   mapWithState(spec),
 *   foreachRDD((rdd) => void seen.push(rdd.collect())),
 * );
 * ssc.start();
 * await clock.advance(Seconds(2));
 * await ssc.stop();
 * assert.deepEqual(seen, [[["a", 1]], [["a", 3]]]);
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
    return new StateSpec({ ...this.#fields, numPartitions: checkOptionalPartitions(n, "StateSpec.numPartitions") });
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

