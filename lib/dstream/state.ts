/**
 * Stateful operations on pair streams: `updateStateByKey` and `mapWithState`, with the
 * `State` handle and `StateSpec` builder Spark users know (see `state_spec.ts`).
 *
 * Unlike Spark, no checkpoint directory is needed: each stateful node keeps its state
 * (one map, keys by value) for as long as the context runs; checkpoints are for recovery
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
import type { Option } from "fp-ts/lib/Option.js";
import type { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import type { DStream } from "./dstream.ts";
import { nodeOf } from "./_node.ts";
import type { Widen } from "./pair.ts";
import { checkOptionalPartitions } from "./_checks.ts";
import { dual } from "./_dual.ts";
import { checkInitial } from "./_state_common.ts";
import { StateSpec } from "./state_spec.ts";
import { StateDStream } from "./_update_state_node.ts";
import { MapWithStateNode } from "./_map_with_state_node.ts";

/**
 * The state a stateful node holds, as plain data: the batch it is as of, and one
 * `[key, state, last updated (ms)]` per key. A checkpoint saves it under the node's name.
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
 * A stream that keeps per-key state across batches.
 *
 * @category state
 * @since 0.1.0
 */
export interface StatefulDStream<K, S> {
  /** The node's stable name, under which its state is saved. */
  readonly name: string;
  /** A copy of the state as of the last batch applied. */
  stateData(): StateData<K, S>;
}

/**
 * The stream `mapWithState` returns: the mapped records of each batch, plus
 * {@link MapWithStateDStream.stateSnapshots} for the state of every key.
 *
 * @category state
 * @since 0.1.0
 */
export interface MapWithStateDStream<K, V, S, E> extends DStream<E>, StatefulDStream<K, S> {
  /**
   * A stream of every key's state after each batch (Spark's `stateSnapshots`). The full
   * state is copied only for the batches whose snapshot RDD is generated.
   */
  stateSnapshots(): DStream<readonly [K, S]>;
}

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

const checkUpdate = (updateFunc: unknown, options: UpdateStateOptions<unknown, unknown> | undefined): void => {
  if (typeof updateFunc !== "function") {
    throw new TypeError(`updateStateByKey needs a function (values, state) => Option, got ${typeof updateFunc}`);
  }
  checkOptionalPartitions(options?.numPartitions, "updateStateByKey's numPartitions");
  if (options?.initialRDD !== undefined) checkInitial(options.initialRDD, "updateStateByKey's initialRDD");
};

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
 * import { foreachRDD, getOrElse, ManualClock, type Option, pipe, Seconds, some, SparkContext, StreamingContext, updateStateByKey } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * // a running word count (Spark's BasicOperationsSuite "updateStateByKey")
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: unknown[] = [];
 * pipe(
 *   ssc.queueStream<readonly [string, number]>([[["a", 1]], [["a", 1], ["b", 1]]]),
 *   updateStateByKey((values: ReadonlyArray<number>, state: Option<number>) =>
 *     some(values.reduce((x, y) => x + y, 0) + pipe(state, getOrElse(() => 0)))),
 *   foreachRDD((rdd) => void seen.push(rdd.collectAsMap())),
 * );
 * ssc.start();
 * await clock.advance(Seconds(2));
 * await ssc.stop();
 * assert.deepEqual(seen, [new Map([["a", 1]]), new Map([["a", 2], ["b", 1]])]);
 * ```
 * @category state
 * @since 0.1.0
 */
export const updateStateByKey: {
  <K, V, S>(
    updateFunc: UpdateFunction<K, Widen<V>, S>,
    // The key type comes from the stream, not from an initial RDD of literal keys.
    options?: UpdateStateOptions<NoInfer<K>, S>,
  ): (self: DStream<readonly [K, V]>) => DStream<readonly [K, S]> & StatefulDStream<K, S>;
  <K, V, S>(
    self: DStream<readonly [K, V]>,
    updateFunc: UpdateFunction<K, Widen<V>, S>,
    options?: UpdateStateOptions<NoInfer<K>, S>,
  ): DStream<readonly [K, S]> & StatefulDStream<K, S>;
} = dual(
  <K, V, S>(
    self: DStream<readonly [K, V]>,
    updateFunc: UpdateFunction<K, V, S>,
    options: UpdateStateOptions<K, S> = {},
  ): DStream<readonly [K, S]> & StatefulDStream<K, S> => {
    checkUpdate(updateFunc, options as UpdateStateOptions<unknown, unknown>);
    const parent = nodeOf(self, "updateStateByKey");
    const n = options.numPartitions ?? parent.context.defaultParallelism;
    return new StateDStream<K, V, S>(parent, updateFunc, n, options.initialRDD);
  },
  undefined,
  checkUpdate,
);

const checkSpec = (spec: unknown): void => {
  if (!(spec instanceof StateSpec)) {
    throw new TypeError("mapWithState needs a StateSpec: build one with StateSpec.function((key, value, state) => …)");
  }
};

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
 * import { foreachRDD, getOrElse, ManualClock, mapWithState, pipe, Seconds, SparkContext, type State, StateSpec, StreamingContext } from "@dstreams/dstreams";
 * import type { Option } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * // Spark's MapWithStateSuite "mapWithState - basic operations with simple API"
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: number[][] = [];
 * pipe(
 *   ssc.queueStream([[["a", 1] as const], [["a", 1] as const, ["b", 1] as const]]),
 *   mapWithState(StateSpec.function((key: string, value: Option<number>, state: State<number>) => {
 *     const sum = pipe(value, getOrElse(() => 0)) + (state.exists() ? state.get() : 0);
 *     state.update(sum);
 *     return sum;
 *   })),
 *   foreachRDD((rdd) => void seen.push(rdd.collect())),
 * );
 * ssc.start();
 * await clock.advance(Seconds(2));
 * await ssc.stop();
 * assert.deepEqual(seen, [[1], [2, 1]]);
 * ```
 * @category state
 * @since 0.1.0
 */
export const mapWithState: {
  <K, V, S, E>(spec: StateSpec<K, V, S, E>): (self: DStream<readonly [K, V]>) => MapWithStateDStream<K, V, S, E>;
  <K, V, S, E>(self: DStream<readonly [K, V]>, spec: StateSpec<K, V, S, E>): MapWithStateDStream<K, V, S, E>;
} = dual(
  <K, V, S, E>(self: DStream<readonly [K, V]>, spec: StateSpec<K, V, S, E>): MapWithStateDStream<K, V, S, E> => {
    checkSpec(spec);
    return new MapWithStateNode(nodeOf(self, "mapWithState"), spec);
  },
  undefined,
  checkSpec,
);

/**
 * Every key's state after each batch of a `mapWithState` stream; data-last
 * `stateSnapshots()` or data-first `stateSnapshots(stream)`.
 *
 * @category state
 * @since 0.1.0
 */
export const stateSnapshots: {
  (): <K, V, S, E>(self: MapWithStateDStream<K, V, S, E>) => DStream<readonly [K, S]>;
  <K, V, S, E>(self: MapWithStateDStream<K, V, S, E>): DStream<readonly [K, S]>;
} = dual(<K, V, S, E>(self: MapWithStateDStream<K, V, S, E>): DStream<readonly [K, S]> => self.stateSnapshots());
