/**
 * MLlib's `StreamingKMeans`: k-means clustering updated with every batch by the
 * mini-batch rule with forgetfulness (MLlib 3.5's `StreamingKMeansModel.update`):
 *
 *   discount  = a            ("batches")   or   a^m   ("points", m = the batch's points)
 *   n_j      ← n_j · discount                           (every cluster)
 *   λ_j       = m_j / max(n_j + m_j, 1e-16)             (clusters with points in the batch)
 *   c_j      ← (1 − λ_j) · c_j + λ_j · x̄_j,  n_j ← n_j + m_j
 *
 * then, when the smallest weight falls below 1e-8 × the largest, the smallest cluster
 * "dies": the largest one is split in two (both get half their summed weight, centers
 * nudged ±1e-14 · max(|x|, 1) apart).
 *
 * @module
 */
import * as t from "io-ts";
import type { DStream } from "../dstream/dstream.ts";
import { type DStreamNode, TransformedDStream } from "../dstream/_node.ts";
import type { DeadLetter, DecodeCounts } from "../dstream/dead_letter.ts";
import { seededRandom } from "../rdd/_sample.ts";
import { describeValue } from "../_describe.ts";
import { ioTsStateCodec, type StateCodec } from "../checkpoint/state_codec.ts";
import { checked } from "./_checked.ts";
import { checkVector, isSparse, squaredDistanceTo, type Vector, vectorProblem } from "./vectors.ts";
import { checkName, checkPositiveInt, nextGaussian } from "./_params.ts";
import { registerModel } from "./_recoverable.ts";

/**
 * The unit `decayFactor` applies per: a batch, or a point.
 *
 * @category k-means
 * @since 0.3.0
 */
export type TimeUnit = "batches" | "points";

/**
 * A k-means model: `k` centers and their weights (the decayed number of points each
 * has absorbed). Immutable: every batch's update makes a new one.
 *
 * @category k-means
 * @since 0.3.0
 */
export class StreamingKMeansModel {
  /** The centers, one `number[]` each. */
  readonly clusterCenters: ReadonlyArray<ReadonlyArray<number>>;
  /** The weight of each center. */
  readonly clusterWeights: ReadonlyArray<number>;
  readonly #flat: Float64Array;
  readonly #norms: Float64Array;
  readonly #dim: number;

  constructor(clusterCenters: ReadonlyArray<ReadonlyArray<number>>, clusterWeights: ReadonlyArray<number>) {
    checkModel(clusterCenters, clusterWeights, "StreamingKMeansModel");
    this.clusterCenters = clusterCenters.map((c) => Object.freeze([...c]));
    this.clusterWeights = Object.freeze([...clusterWeights]);
    const dim = clusterCenters[0]!.length;
    this.#dim = dim;
    this.#flat = new Float64Array(clusterCenters.length * dim);
    this.#norms = new Float64Array(clusterCenters.length);
    clusterCenters.forEach((c, j) => {
      let norm = 0;
      for (let i = 0; i < dim; i++) {
        this.#flat[j * dim + i] = c[i]!;
        norm += c[i]! * c[i]!;
      }
      this.#norms[j] = norm;
    });
  }

  /** The number of clusters. */
  get k(): number {
    return this.clusterCenters.length;
  }

  /** The dimension of the centers. */
  get dim(): number {
    return this.#dim;
  }

  /** The index of the center nearest `point` (the first of equals). */
  predict(point: Vector): number {
    checkVector(point, this.#dim, "predict's point");
    return this.closest(point);
  }

  /** `predict` for a point already checked. */
  closest(point: Vector): number {
    const k = this.clusterCenters.length;
    const dim = this.#dim;
    let best = 0;
    let bestDistance = Infinity;
    for (let j = 0; j < k; j++) {
      const d = squaredDistanceTo(point, this.#flat, j * dim, dim, this.#norms[j]!);
      if (d < bestDistance) {
        bestDistance = d;
        best = j;
      }
    }
    return best;
  }

  /** The sum of squared distances of `points` to their nearest centers (MLlib's `computeCost`). */
  computeCost(points: Iterable<Vector>): number {
    let cost = 0;
    for (const p of points) {
      checkVector(p, this.#dim, "computeCost's point");
      const j = this.closest(p);
      cost += squaredDistanceTo(p, this.#flat, j * this.#dim, this.#dim, this.#norms[j]!);
    }
    return cost;
  }

  /**
   * The model after one batch of (checked) points: MLlib's update rule, with `decayFactor`
   * per `timeUnit`. A batch with no points still decays the weights per batch, as MLlib's does.
   */
  update(partitions: ReadonlyArray<ReadonlyArray<Vector>>, decayFactor: number, timeUnit: TimeUnit): StreamingKMeansModel {
    const k = this.clusterCenters.length;
    const dim = this.#dim;
    const sums = new Float64Array(k * dim);
    const counts = new Float64Array(k);
    let total = 0;
    for (const part of partitions) {
      for (let i = 0; i < part.length; i++) {
        const point = part[i]!;
        const j = this.closest(point);
        counts[j]!++;
        const offset = j * dim;
        if (isSparse(point)) {
          for (let n = 0; n < point.indices.length; n++) sums[offset + point.indices[n]!]! += point.values[n]!;
        } else {
          for (let n = 0; n < dim; n++) sums[offset + n]! += point[n]!;
        }
      }
      total += part.length;
    }
    const discount = timeUnit === "batches" ? decayFactor : Math.pow(decayFactor, total);
    const centers = new Float64Array(this.#flat);
    const weights = Float64Array.from(this.clusterWeights, (w) => w * discount);
    for (let j = 0; j < k; j++) {
      const count = counts[j]!;
      if (count === 0) continue;
      const updatedWeight = weights[j]! + count;
      const lambda = count / Math.max(updatedWeight, 1e-16);
      weights[j] = updatedWeight;
      const offset = j * dim;
      for (let n = 0; n < dim; n++) centers[offset + n] = (1 - lambda) * centers[offset + n]! + (lambda / count) * sums[offset + n]!;
    }
    // A dying cluster: split the largest in two (MLlib picks the first maximum and minimum).
    let largest = 0;
    let smallest = 0;
    for (let j = 1; j < k; j++) {
      if (weights[j]! > weights[largest]!) largest = j;
      if (weights[j]! < weights[smallest]!) smallest = j;
    }
    const maxWeight = weights[largest]!;
    const minWeight = weights[smallest]!;
    if (minWeight < 1e-8 * maxWeight) {
      const weight = (maxWeight + minWeight) / 2;
      weights[largest] = weight;
      weights[smallest] = weight;
      for (let n = 0; n < dim; n++) {
        const x = centers[largest * dim + n]!;
        const p = 1e-14 * Math.max(Math.abs(x), 1);
        centers[largest * dim + n] = x + p;
        centers[smallest * dim + n] = x - p;
      }
    }
    const next: number[][] = [];
    for (let j = 0; j < k; j++) next.push(Array.from(centers.subarray(j * dim, (j + 1) * dim)));
    return new StreamingKMeansModel(next, Array.from(weights));
  }

  /** `StreamingKMeansModel(k=2, dim=3)`. */
  toString(): string {
    return `StreamingKMeansModel(k=${this.k}, dim=${this.#dim})`;
  }
}

/**
 * Options of {@link StreamingKMeans} (MLlib's defaults: `k` 2, `decayFactor` 1,
 * `timeUnit` `"batches"`).
 *
 * @category k-means
 * @since 0.3.0
 */
export interface StreamingKMeansOptions {
  /** The number of clusters. */
  readonly k?: number;
  /** How much of the past each batch (or point) keeps: 1 = all, 0 = none. */
  readonly decayFactor?: number;
  /** Instead of `decayFactor`: after `halfLife` time units, past data counts half. */
  readonly halfLife?: number;
  /** What `decayFactor` and `halfLife` count in. */
  readonly timeUnit?: TimeUnit;
  /** The model's stable name, under which a checkpoint keeps its state. */
  readonly name?: string;
}

/**
 * The state a checkpoint keeps for a k-means model: plain arrays.
 *
 * @category k-means
 * @since 0.3.0
 */
export interface KMeansState {
  readonly centers: ReadonlyArray<ReadonlyArray<number>>;
  readonly weights: ReadonlyArray<number>;
}

const KMeansStateType: t.Type<KMeansState> = t.readonly(t.type({
  centers: t.readonlyArray(t.readonlyArray(t.number)),
  weights: t.readonlyArray(t.number),
}));

/**
 * What `trainOn` returns: the training points refused (wrong dimension, NaN, not a
 * vector), with their reason, and each batch's counts. Nothing needs to read them: the
 * counts also reach listeners under `name`.
 *
 * @category k-means
 * @since 0.3.0
 */
export interface Training<R> {
  readonly rejected: DStream<DeadLetter<R>>;
  readonly counts: DStream<DecodeCounts>;
  /** The check node's name: its counts are `batchInfo.metrics.get(name)`. */
  readonly name: string;
}

/**
 * A stream of predictions, with the records that could not be predicted beside it.
 *
 * @category k-means
 * @since 0.3.0
 */
export interface PredictionDStream<B, R> extends DStream<B> {
  readonly rejected: DStream<DeadLetter<R>>;
  readonly counts: DStream<DecodeCounts>;
}

/** A prediction node that carries its check's dead letters and counts. */
export class PredictionNode<R, B> extends TransformedDStream<R, B> implements PredictionDStream<B, R> {
  readonly rejected: DStream<DeadLetter<R>>;
  readonly counts: DStream<DecodeCounts>;
  constructor(
    streams: { valid: DStreamNode<R>; rejected: DStream<DeadLetter<R>>; counts: DStream<DecodeCounts> },
    kind: string,
    f: (r: R) => B,
  ) {
    super(streams.valid, kind, (rdd, _time, name) => rdd.map(f, name));
    this.rejected = streams.rejected;
    this.counts = streams.counts;
  }
}

/**
 * Streaming k-means, as MLlib's `StreamingKMeans`: set initial centers (given or random),
 * `trainOn` a stream of vectors (an output operation: each batch updates the model), and
 * `predictOn` / `predictOnValues` with the latest model.
 *
 * @example
 * ```ts
 * import { ManualClock, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import { StreamingKMeans } from "@dstreams/dstreams/ml";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const kmeans = new StreamingKMeans({ k: 2 }).setInitialCenters([[0, 0], [10, 10]], [0, 0]);
 * kmeans.trainOn(ssc.queueStream([[[1, 1], [2, 2], [9, 9], [11, 11]]]));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(kmeans.latestModel().clusterCenters, [[1.5, 1.5], [10, 10]]);
 * assert.deepEqual(kmeans.latestModel().clusterWeights, [2, 2]);
 * ```
 * @category k-means
 * @since 0.3.0
 */
export class StreamingKMeans {
  /** The stable name a checkpoint keeps this model's state under. */
  readonly name: string;
  /** The state codec for checkpoints: centers and weights as plain arrays. */
  readonly stateCodec: StateCodec<KMeansState> = ioTsStateCodec(KMeansStateType);
  #k: number;
  #kGiven: boolean;
  #decayFactor: number;
  #timeUnit: TimeUnit;
  #model: StreamingKMeansModel | undefined;

  constructor(options: StreamingKMeansOptions = {}) {
    this.name = checkName(options.name ?? "StreamingKMeans", "StreamingKMeans");
    this.#k = checkPositiveInt(options.k ?? 2, "StreamingKMeans's k", "new StreamingKMeans({ k: 3 })");
    this.#kGiven = options.k !== undefined;
    this.#timeUnit = checkTimeUnit(options.timeUnit ?? "batches");
    if (options.halfLife !== undefined && options.decayFactor !== undefined) {
      throw new TypeError("StreamingKMeans takes decayFactor or halfLife, not both: halfLife h sets decayFactor to 0.5^(1/h)");
    }
    this.#decayFactor = options.halfLife !== undefined ? decayOfHalfLife(options.halfLife) : checkDecay(options.decayFactor ?? 1);
  }

  /** The number of clusters. */
  get k(): number {
    return this.#k;
  }

  /** The decay factor in use. */
  get decayFactor(): number {
    return this.#decayFactor;
  }

  /** What the decay factor counts in. */
  get timeUnit(): TimeUnit {
    return this.#timeUnit;
  }

  /** Sets the number of clusters (before the centers are set). */
  setK(k: number): this {
    this.#k = checkPositiveInt(k, "setK's k", "setK(3)");
    this.#kGiven = true;
    return this;
  }

  /** Sets the decay factor (0 … 1). */
  setDecayFactor(a: number): this {
    this.#decayFactor = checkDecay(a);
    return this;
  }

  /** Sets the decay by half-life: after `halfLife` units of `timeUnit`, past data counts half. */
  setHalfLife(halfLife: number, timeUnit: TimeUnit): this {
    const unit = checkTimeUnit(timeUnit);
    this.#decayFactor = decayOfHalfLife(halfLife);
    this.#timeUnit = unit;
    return this;
  }

  /** Sets the initial centers and their weights (one weight per center); without a `k`, k is their number. */
  setInitialCenters(centers: ReadonlyArray<Vector>, weights: ReadonlyArray<number>): this {
    if (!Array.isArray(centers) || centers.length === 0) {
      throw new TypeError(`setInitialCenters needs an array of ${this.#k} centers, got ${describeValue(centers)}`);
    }
    if (this.#kGiven && centers.length !== this.#k) {
      throw new RangeError(`setInitialCenters got ${centers.length} centers for k = ${this.#k}: give one center per cluster`);
    }
    const dense = centers.map((c) => {
      if (c === null || typeof c !== "object") throw new TypeError(`setInitialCenters' centers must be vectors, got ${describeValue(c)}`);
      return toDense(c);
    });
    this.#model = new StreamingKMeansModel(dense, weights);
    this.#k = dense.length;
    return this;
  }

  /**
   * Draws `k` centers of `dim` standard normal entries each, all of weight `weight`,
   * from a generator seeded with `seed` (the same seed, the same centers).
   */
  setRandomCenters(dim: number, weight: number, seed = 42): this {
    checkPositiveInt(dim, "setRandomCenters' dim", "setRandomCenters(3, 0, 42)");
    if (typeof weight !== "number" || !(weight >= 0) || !Number.isFinite(weight)) {
      throw new RangeError(`setRandomCenters' weight must be a finite number ≥ 0, got ${describeValue(weight)}`);
    }
    if (typeof seed !== "number" || !Number.isFinite(seed)) throw new TypeError(`setRandomCenters' seed must be a finite number, got ${describeValue(seed)}`);
    const random = seededRandom(seed);
    const centers = Array.from({ length: this.#k }, () => Array.from({ length: dim }, () => nextGaussian(random)));
    this.#model = new StreamingKMeansModel(centers, new Array<number>(this.#k).fill(weight));
    return this;
  }

  /** The model as of the last batch trained on. */
  latestModel(): StreamingKMeansModel {
    return this.#initialized("latestModel");
  }

  /**
   * Trains on every batch of `stream`: registers an output operation that updates the
   * model, and the model with the context's checkpoints (under `name`). Points the model
   * cannot take go to the returned `rejected` stream.
   */
  trainOn<V extends Vector>(stream: DStream<V>): Training<V> {
    const dim = this.#initialized("trainOn").dim;
    const streams = checked(stream, "StreamingKMeans.trainOn", "StreamingKMeans.trainOn", (v: V) => vectorProblem(v, dim, "point"));
    streams.valid.context.registerOutput(streams.valid, "StreamingKMeans.trainOn", (rdd) => {
      this.#model = this.#initialized("trainOn").update(rdd.collectPartitions(), this.#decayFactor, this.#timeUnit);
    });
    registerModel(streams.valid.context, "StreamingKMeans", this);
    return { rejected: streams.rejected, counts: streams.counts, name: streams.node.name };
  }

  /** The index of each point's nearest center, by the model as it is when the batch runs. */
  predictOn<V extends Vector>(stream: DStream<V>): PredictionDStream<number, V> {
    const dim = this.#initialized("predictOn").dim;
    const streams = checked(stream, "StreamingKMeans.predictOn", "StreamingKMeans.predictOn", (v: V) => vectorProblem(v, dim, "point"));
    return new PredictionNode(streams, "predictOn", (v: V) => this.#model!.closest(v));
  }

  /** `predictOn` for the values of a pair stream, keeping the keys. */
  predictOnValues<K, V extends Vector>(stream: DStream<readonly [K, V]>): PredictionDStream<readonly [K, number], readonly [K, V]> {
    const dim = this.#initialized("predictOnValues").dim;
    const streams = checked(stream, "StreamingKMeans.predictOnValues", "StreamingKMeans.predictOnValues", (pair: readonly [K, V]) =>
      Array.isArray(pair) && pair.length === 2
        ? vectorProblem(pair[1], dim, "value")
        : `predictOnValues needs [key, vector] pairs, got ${describeValue(pair)}`);
    return new PredictionNode(streams, "predictOnValues", (pair: readonly [K, V]) => [pair[0], this.#model!.closest(pair[1])] as const);
  }

  /** The model's state as plain data, for a checkpoint. */
  snapshot(): KMeansState {
    const model = this.#initialized("snapshot");
    return { centers: model.clusterCenters.map((c) => [...c]), weights: [...model.clusterWeights] };
  }

  /** Puts back a state `snapshot` returned (e.g. read from a checkpoint). */
  restore(state: KMeansState): void {
    const model = new StreamingKMeansModel(state.centers, state.weights);
    if (this.#model !== undefined && (model.k !== this.#model.k || model.dim !== this.#model.dim)) {
      throw new Error(
        `${this.name}: the checkpoint holds ${model.k} centers of dimension ${model.dim}, the code sets ${this.#model.k} of dimension ${this.#model.dim}: ` +
          "give the model another name or delete the checkpoint",
      );
    }
    this.#model = model;
    this.#k = model.k;
  }

  #initialized(operation: string): StreamingKMeansModel {
    if (this.#model === undefined) {
      throw new Error(`StreamingKMeans.${operation} needs initial centers: call setInitialCenters(centers, weights) or setRandomCenters(dim, weight, seed) first`);
    }
    return this.#model;
  }
}

const toDense = (v: Vector): number[] => {
  if (isSparse(v)) {
    const out = new Array<number>(v.size).fill(0);
    for (let i = 0; i < v.indices.length; i++) out[v.indices[i]!] = v.values[i]!;
    return out;
  }
  return Array.from(v);
};

const checkModel = (centers: ReadonlyArray<ReadonlyArray<number>>, weights: ReadonlyArray<number>, where: string): void => {
  if (!Array.isArray(centers) || centers.length === 0) throw new TypeError(`${where} needs at least one center, got ${describeValue(centers)}`);
  const dim = Array.isArray(centers[0]) ? centers[0].length : 0;
  if (dim === 0) throw new TypeError(`${where}'s centers must be non-empty number arrays`);
  centers.forEach((c, j) => {
    const problem = vectorProblem(c, dim, `center ${j}`);
    if (problem !== undefined) throw new TypeError(`${where}: ${problem}`);
  });
  if (!Array.isArray(weights) || weights.length !== centers.length) {
    throw new TypeError(`${where} needs one weight per center (${centers.length}), got ${Array.isArray(weights) ? `${weights.length} weights` : describeValue(weights)}`);
  }
  weights.forEach((w, j) => {
    if (typeof w !== "number" || !(w >= 0) || !Number.isFinite(w)) throw new RangeError(`${where}: weight ${j} must be a finite number ≥ 0, got ${describeValue(w)}`);
  });
};

const checkTimeUnit = (unit: unknown): TimeUnit => {
  if (unit !== "batches" && unit !== "points") throw new TypeError(`timeUnit must be "batches" or "points", got ${describeValue(unit)}`);
  return unit;
};

const checkDecay = (a: unknown): number => {
  if (typeof a !== "number" || !(a >= 0 && a <= 1)) throw new RangeError(`decayFactor must be a number in 0…1 (1 keeps all the past), got ${describeValue(a)}`);
  return a;
};

// MLlib: exp(log(0.5) / halfLife).
const decayOfHalfLife = (h: unknown): number => {
  if (typeof h !== "number" || !(h > 0) || !Number.isFinite(h)) throw new RangeError(`halfLife must be a finite number > 0 of time units, got ${describeValue(h)}`);
  return Math.exp(Math.log(0.5) / h);
};
