/**
 * `DStream<A>`: an immutable lineage node. Combinators return new nodes that point at
 * their parents; nothing runs until the context starts, and then each node computes
 * its RDD once per batch time, however many children read it.
 *
 * @module
 */
import type { Duration } from "../time/duration.ts";
import { Time } from "../time/duration.ts";
import type { RDD } from "../rdd/rdd.ts";
import type { StreamingGraph } from "./graph.ts";

/**
 * A discretized stream: a sequence of RDDs, one per batch time.
 *
 * @category model
 * @since 0.1.0
 */
export abstract class DStream<A> {
  /** The context this stream belongs to. */
  readonly context: StreamingGraph;
  /** Creation order within the context. */
  readonly id: number;
  /** What kind of node this is (`"map"`, `"socketTextStream"`, …). */
  readonly kind: string;
  /** The streams this one reads. */
  readonly parents: ReadonlyArray<DStream<unknown>>;
  /** The interval between this stream's RDDs. */
  readonly slideDuration: Duration;

  #zeroTime: Time | undefined;
  #rememberDuration: Duration | undefined;
  #cacheRDDs = false;
  readonly #generated = new Map<number, RDD<A>>();

  constructor(context: StreamingGraph, kind: string, parents: ReadonlyArray<DStream<unknown>>, slideDuration: Duration) {
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
  }

  #userName: string | undefined;

  /** A stable name: the one given with `named`, else kind and creation order, e.g. `"map-3"`. */
  get name(): string {
    return this.#userName ?? `${this.kind}-${this.id}`;
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
    this.context.claimStreamName(name, this as DStream<unknown>);
    this.#userName = name;
    return this;
  }

  toString(): string {
    return this.name;
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

  // -------------------------------------------------------------------------------------
  // piping
  // -------------------------------------------------------------------------------------

  /** Applies the operations left to right: `lines.pipe(flatMap(split), count())`. */
  pipe(): this;
  pipe<B>(ab: (a: this) => B): B;
  pipe<B, C>(ab: (a: this) => B, bc: (b: B) => C): C;
  pipe<B, C, D>(ab: (a: this) => B, bc: (b: B) => C, cd: (c: C) => D): D;
  pipe<B, C, D, E>(ab: (a: this) => B, bc: (b: B) => C, cd: (c: C) => D, de: (d: D) => E): E;
  pipe<B, C, D, E, F>(ab: (a: this) => B, bc: (b: B) => C, cd: (c: C) => D, de: (d: D) => E, ef: (e: E) => F): F;
  pipe<B, C, D, E, F, G>(
    ab: (a: this) => B,
    bc: (b: B) => C,
    cd: (c: C) => D,
    de: (d: D) => E,
    ef: (e: E) => F,
    fg: (f: F) => G,
  ): G;
  pipe<B, C, D, E, F, G, H>(
    ab: (a: this) => B,
    bc: (b: B) => C,
    cd: (c: C) => D,
    de: (d: D) => E,
    ef: (e: E) => F,
    fg: (f: F) => G,
    gh: (g: G) => H,
  ): H;
  pipe<B, C, D, E, F, G, H, I>(
    ab: (a: this) => B,
    bc: (b: B) => C,
    cd: (c: C) => D,
    de: (d: D) => E,
    ef: (e: E) => F,
    fg: (f: F) => G,
    gh: (g: G) => H,
    hi: (h: H) => I,
  ): I;
  pipe(...operations: ReadonlyArray<(input: never) => unknown>): unknown {
    let result: unknown = this;
    for (const operation of operations) result = (operation as (input: unknown) => unknown)(result);
    return result;
  }
}

/**
 * A node whose RDD at each time is a function of its parent's RDD at the same time.
 *
 * @category model
 * @since 0.1.0
 */
export class TransformedDStream<A, B> extends DStream<B> {
  readonly #parent: DStream<A>;
  readonly #transform: (rdd: RDD<A>, time: Time, name: string) => RDD<B>;

  /** `transform` also gets this node's name, to label the errors of the user functions it runs. */
  constructor(parent: DStream<A>, kind: string, transform: (rdd: RDD<A>, time: Time, name: string) => RDD<B>) {
    super(parent.context, kind, [parent as DStream<unknown>], parent.slideDuration);
    this.#parent = parent;
    this.#transform = transform;
  }

  protected override compute(time: Time): RDD<B> | undefined {
    const rdd = this.#parent.getOrCompute(time);
    return rdd === undefined ? undefined : this.#transform(rdd, time, this.name);
  }
}

/** True for DStreams: used to tell data-first from data-last calls. */
export const isDStream = (u: unknown): u is DStream<unknown> => u instanceof DStream;
