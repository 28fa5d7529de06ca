/**
 * The node classes behind every {@link DStream}: memoized per batch time, remembered as
 * long as a window or `slice` may need, cleared after each batch. Internal: users see
 * the `DStream` interface; authors of sources and sinks reach these through
 * `dstreams/spi`.
 *
 * @module
 */
import type { Duration } from "../time/duration.ts";
import { Time } from "../time/duration.ts";
import type { RDD } from "../rdd/rdd.ts";
import { describeValue } from "../_describe.ts";
import type { StreamingGraph } from "./_graph.ts";
import type { StateCodec } from "../checkpoint/state_codec.ts";
import { type DStream, DStreamTypeId, type DStreamVariance } from "./dstream.ts";
import { type Pipeable, pipeArguments } from "./pipeable.ts";

const variance: DStreamVariance<never> = { _A: (_: never) => _ };

/**
 * A lineage node: a stream's RDD at each batch time, computed at most once.
 *
 * @category spi
 * @since 0.2.0
 */
export abstract class DStreamNode<A> implements DStream<A> {
  /** The context this stream belongs to. */
  readonly context: StreamingGraph;
  /** Creation order within the context. */
  readonly id: number;
  /** What kind of node this is (`"map"`, `"socketTextStream"`, …). */
  readonly kind: string;
  /** The streams this one reads. */
  readonly parents: ReadonlyArray<DStreamNode<unknown>>;
  /** The interval between this stream's RDDs. */
  readonly slideDuration: Duration;

  #zeroTime: Time | undefined;
  #rememberDuration: Duration | undefined;
  #cacheRDDs = false;
  #userName: string | undefined;
  #checkpointDuration: Duration | undefined;
  #stateCodec: StateCodec<unknown> | undefined;
  readonly #generated = new Map<number, RDD<A>>();
  /** `kind-id`, made once: the name is read per batch (error labels). */
  readonly #derivedName: string;

  constructor(context: StreamingGraph, kind: string, parents: ReadonlyArray<DStreamNode<unknown>>, slideDuration: Duration) {
    context.assertBuildable();
    for (const parent of parents) {
      if (parent.context !== context) {
        throw new Error(
          `Cannot build ${kind} from streams of two different StreamingContexts: create every stream of a pipeline from one context`,
        );
      }
    }
    this.context = context;
    this.kind = kind;
    this.parents = parents;
    this.slideDuration = slideDuration;
    this.id = context.nextStreamId();
    this.#derivedName = `${kind}-${this.id}`;
  }

  /** A stable name: the one given with `named`, else kind and creation order, e.g. `"map-3"`. */
  get name(): string {
    return this.#userName ?? this.#derivedName;
  }

  /**
   * The name checkpoints know this stream by: the one given with `named`, else derived
   * from the pipeline's structure (its kind and the nearest inputs, stateful or named
   * streams above it: stateless steps such as `map` or `filter` do not count), so adding
   * a `filter` upstream keeps it, e.g. `"updateStateByKey(socketTextStream(localhost:9999))"`.
   */
  get checkpointName(): string {
    if (this.#userName !== undefined) return this.#userName;
    const identity = this.sourceIdentity;
    if (identity !== undefined) return `${this.kind}(${identity})`;
    return `${this.kind}(${anchorsAbove(this).join(",")})`;
  }

  /** For an input: what it reads from (`"localhost:9999"`, a directory), part of its checkpoint name. */
  get sourceIdentity(): string | undefined {
    return undefined;
  }

  /** True for a node whose name checkpoints use: an input, a stateful node, a named stream. */
  get isNameAnchor(): boolean {
    return this.#userName !== undefined || this.sourceIdentity !== undefined || this.keepsState;
  }

  /** True for a node whose state a checkpoint keeps (updateStateByKey, windows, …). */
  get keepsState(): boolean {
    return false;
  }

  /** How often checkpoints keep this node's state (`checkpoint(interval)`); undefined: the default. */
  get checkpointDuration(): Duration | undefined {
    return this.#checkpointDuration;
  }

  /** The codec checkpoints encode this node's state with (`checkpoint(interval, { codec })`); undefined: `node:v8`. */
  get stateCodec(): StateCodec<unknown> | undefined {
    return this.#stateCodec;
  }

  /** Sets how often checkpoints keep this node's state, and how (see the `checkpoint` combinator). */
  setCheckpointDuration(interval: Duration | undefined, codec?: StateCodec<unknown>): this {
    this.context.assertBuildable();
    if (interval !== undefined) this.#checkpointDuration = interval;
    if (codec !== undefined) this.#stateCodec = codec;
    return this;
  }

  /** True once the stream was given a name with `named`. */
  get hasUserName(): boolean {
    return this.#userName !== undefined;
  }

  /** Gives this stream its name (see the `named` combinator). */
  setName(name: string): this {
    if (typeof name !== "string" || !/^[A-Za-z0-9_.:-]+$/.test(name)) {
      throw new TypeError(
        `A stream's name must be letters, digits, "_", ".", ":" or "-", got ${JSON.stringify(name) ?? typeof name}: e.g. named("word-counts")`,
      );
    }
    if (this.#userName === name) return this;
    if (this.#userName !== undefined) {
      throw new Error(`Stream ${JSON.stringify(this.#userName)} is already named: a stream has one name, used by metrics and checkpoints`);
    }
    this.context.assertBuildable();
    this.context.claimStreamName(name, this as DStreamNode<unknown>);
    this.#userName = name;
    return this;
  }

  toString(): string {
    return this.name;
  }

  cache(): this {
    this.context.assertBuildable();
    this.#cacheRDDs = true;
    return this;
  }

  persist(): this {
    return this.cache();
  }

  /** Computes this node's RDD at a valid `time`; `undefined` when there is none. */
  protected abstract compute(time: Time): RDD<A> | undefined;

  /** The time before the first batch, once the context has started. */
  get zeroTime(): Time | undefined {
    return this.#zeroTime;
  }

  /** How long this node keeps the RDDs it generated, once the context has started. */
  get rememberDuration(): Duration | undefined {
    return this.#rememberDuration;
  }

  /** True at times this stream produces an RDD: after start, on its slide. */
  isTimeValid(time: Time): boolean {
    const zero = this.#zeroTime;
    if (zero === undefined) return false;
    const offset = time.milliseconds - zero.milliseconds;
    return offset > 0 && offset % this.slideDuration.milliseconds === 0;
  }

  /** This node's RDD at `time`, computed at most once per time. */
  getOrCompute(time: Time): RDD<A> | undefined {
    const memo = this.#generated.get(time.milliseconds);
    if (memo !== undefined) return memo;
    if (!this.isTimeValid(time)) return undefined;
    const rdd = this.compute(time);
    if (rdd === undefined) return undefined;
    if (this.#cacheRDDs) rdd.cache();
    this.#generated.set(time.milliseconds, rdd);
    return rdd;
  }

  /**
   * Puts back the RDD this node had at `time` (recovery: a window's earlier batches, from
   * the checkpoint), as if computed then.
   */
  seedRDD(time: Time, rdd: RDD<A>): void {
    this.#generated.set(time.milliseconds, rdd);
  }

  /** The RDDs this node generated and still remembers, oldest first. */
  rememberedRDDs(): ReadonlyArray<readonly [Time, RDD<A>]> {
    return [...this.#generated].sort((a, b) => a[0] - b[0]).map(([t, rdd]) => [new Time(t), rdd] as const);
  }

  // -------------------------------------------------------------------------------------
  // start-up and clean-up, driven by the context
  // -------------------------------------------------------------------------------------

  /** How long this node needs its parents to remember, given its own remember duration. */
  protected parentRememberDuration(remember: Duration): Duration {
    return remember;
  }

  /** Sets the zero time on this node and its ancestors. */
  initialize(zeroTime: Time): void {
    if (this.#zeroTime !== undefined) return;
    this.#zeroTime = zeroTime;
    for (const parent of this.parents) parent.initialize(zeroTime);
  }

  /** Makes this node (and, as it needs, its ancestors) remember at least `duration`. */
  rememberAtLeast(duration: Duration): void {
    const wanted = duration.milliseconds < this.slideDuration.milliseconds ? this.slideDuration : duration;
    const current = this.#rememberDuration;
    if (current !== undefined && current.milliseconds >= wanted.milliseconds) return;
    this.#rememberDuration = wanted;
    const forParents = this.parentRememberDuration(wanted);
    for (const parent of this.parents) parent.rememberAtLeast(forParents);
  }

  /** Keeps the RDDs this node computes, because several consumers or later batches read them. */
  cacheGeneratedRDDs(): void {
    this.#cacheRDDs = true;
  }

  /** Forgets RDDs no consumer can still need after the batch at `time` finished. */
  clearOldRDDs(time: Time): void {
    const remember = this.#rememberDuration?.milliseconds ?? this.slideDuration.milliseconds;
    const oldest = time.milliseconds - remember;
    for (const t of this.#generated.keys()) {
      if (t <= oldest) this.#generated.delete(t);
    }
  }
}

/** The nearest inputs, stateful or named nodes above `node` (through stateless ones), by name. */
const anchorsAbove = (node: DStreamNode<unknown>): string[] => {
  const names: string[] = [];
  const visit = (parent: DStreamNode<unknown>): void => {
    if (parent.isNameAnchor) names.push(parent.checkpointName);
    else for (const grandparent of parent.parents) visit(grandparent);
  };
  for (const parent of node.parents) visit(parent);
  return names;
};

// The brand and `.pipe(...)` (its 21 overloads), once on the prototype of every node.
export interface DStreamNode<A> extends Pipeable {
  readonly [DStreamTypeId]: DStreamVariance<A>;
}
Object.defineProperty(DStreamNode.prototype, DStreamTypeId, { value: variance });
Object.defineProperty(DStreamNode.prototype, "pipe", {
  value: function pipe(this: unknown) {
    // deno-lint-ignore prefer-rest-params
    return pipeArguments(this, arguments);
  },
  writable: true,
  configurable: true,
});

/**
 * The node behind a stream a combinator was given; `operation` names the combinator in
 * the error for anything else.
 *
 * @category spi
 * @since 0.2.0
 */
export const nodeOf = <A>(stream: DStream<A>, operation: string): DStreamNode<A> => {
  if (stream instanceof DStreamNode) return stream as DStreamNode<A>;
  const hint = typeof stream === "function"
    ? ": it is a function; did you pass an operator such as map(f) where a stream goes, or forget to call it with a stream?"
    : ": pass a stream made by a StreamingContext (ssc.socketTextStream, ssc.queueStream, …) or by a combinator";
  throw new TypeError(`${operation} needs a DStream, got ${describeValue(stream)}${hint}`);
};

/**
 * A node whose RDD at each time is a function of its parent's RDD at the same time.
 *
 * @category spi
 * @since 0.1.0
 */
export class TransformedDStream<A, B> extends DStreamNode<B> {
  readonly #parent: DStreamNode<A>;
  readonly #transform: (rdd: RDD<A>, time: Time, name: string) => RDD<B>;

  /** `transform` also gets this node's name, to label the errors of the user functions it runs. */
  constructor(parent: DStreamNode<A>, kind: string, transform: (rdd: RDD<A>, time: Time, name: string) => RDD<B>) {
    super(parent.context, kind, [parent as DStreamNode<unknown>], parent.slideDuration);
    this.#parent = parent;
    this.#transform = transform;
  }

  protected override compute(time: Time): RDD<B> | undefined {
    const rdd = this.#parent.getOrCompute(time);
    return rdd === undefined ? undefined : this.#transform(rdd, time, this.name);
  }
}

/**
 * Spark's three functions of a keyed combine. `isReduce`: a `reduceByKey`, whose
 * combiner is the value itself and whose two merge functions are its `f`.
 *
 * @category spi
 * @since 0.4.0
 */
export interface CombineFunctions<V, C> {
  readonly createCombiner: (v: V) => C;
  readonly mergeValue: (c: C, v: V) => C;
  readonly mergeCombiners: (a: C, b: C) => C;
  readonly isReduce: boolean;
}

/**
 * Runs the map side of keyed nodes on other threads (the context's workers, `local[n]`):
 * the context sets it on the nodes it can run there when it starts.
 *
 * @category spi
 * @since 0.4.0
 */
export interface MapSideExecutor {
  /**
   * The node's RDD at `time`, its map side (per partition of `parent`) computed by the
   * executor; `undefined` leaves the batch to the node's own single pass (as without an
   * executor).
   */
  combine<K, V, C>(node: CombinedByKeyDStream<K, V, C>, parent: RDD<readonly [K, V]>, time: Time): RDD<readonly [K, C]> | undefined;
  /** The batch at `time` is over for `node`: what the executor holds for it may go. */
  forget(node: DStreamNode<unknown>, time: Time): void;
}

/**
 * A keyed step with a map-side combine (`reduceByKey`, `combineByKey`): what a
 * {@link TransformedDStream} does, plus its functions, so that its map side can run on
 * worker threads, where the same node of the same pipeline (built by the same code) has
 * the same functions.
 *
 * @category spi
 * @since 0.4.0
 */
export class CombinedByKeyDStream<K, V, C> extends TransformedDStream<readonly [K, V], readonly [K, C]> {
  readonly combineFunctions: CombineFunctions<V, C>;
  /** The partitions of the result. */
  readonly numPartitions: number;
  #mapSide: MapSideExecutor | undefined;

  constructor(
    parent: DStreamNode<readonly [K, V]>,
    kind: string,
    functions: CombineFunctions<V, C>,
    numPartitions: number,
    transform: (rdd: RDD<readonly [K, V]>, time: Time, name: string) => RDD<readonly [K, C]>,
  ) {
    super(parent, kind, transform);
    this.combineFunctions = functions;
    this.numPartitions = numPartitions;
  }

  /** From now on the map side runs through `executor` (set by the context at start). */
  runMapSideWith(executor: MapSideExecutor): void {
    this.#mapSide = executor;
  }

  protected override compute(time: Time): RDD<readonly [K, C]> | undefined {
    const mapSide = this.#mapSide;
    if (mapSide === undefined) return super.compute(time);
    const rdd = this.parents[0]!.getOrCompute(time) as RDD<readonly [K, V]> | undefined;
    if (rdd === undefined) return undefined;
    return mapSide.combine(this, rdd, time) ?? super.compute(time);
  }

  override clearOldRDDs(time: Time): void {
    super.clearOldRDDs(time);
    this.#mapSide?.forget(this as DStreamNode<unknown>, time);
  }
}
