/**
 * MLlib's streaming linear models: `StreamingLinearRegressionWithSGD` and
 * `StreamingLogisticRegressionWithSGD` (`StreamingLinearAlgorithm`). Each non-empty
 * batch runs MLlib's mini-batch SGD from the current weights (`numIterations` steps of
 * `stepSize / √i`, `miniBatchFraction` sampled per step with seed `seed + i`, early
 * stop at `convergenceTol`); an empty batch leaves the model alone. No intercept, as in
 * MLlib's streaming algorithms.
 *
 * Regularization follows MLlib's classes: linear regression's `SimpleUpdater` ignores
 * `regParam` (set `regType: "l2"` or `"l1"` to use it, as PySpark's
 * `LinearRegressionWithSGD.train(regType=…)` does); logistic regression uses
 * `SquaredL2Updater` (`regType: "l2"`) by default.
 *
 * @module
 */
import * as t from "io-ts";
import type { DStream } from "../dstream/dstream.ts";
import { ioTsStateCodec, type StateCodec } from "../checkpoint/state_codec.ts";
import { describeValue } from "../_describe.ts";
import { checked } from "./_checked.ts";
import { type Example, type Gradient, leastSquaresGradient, logisticGradient, type RegType, runMiniBatchSGD } from "./_sgd.ts";
import { PredictionNode, type PredictionDStream, type Training } from "./kmeans.ts";
import { checkVector, dot, type Vector, vectorProblem } from "./vectors.ts";
import { checkName, checkPositiveInt } from "./_params.ts";
import { registerModel } from "./_recoverable.ts";

/**
 * A linear regression model: `predict(x) = weights · x + intercept`.
 *
 * @category regression
 * @since 0.3.0
 */
export class LinearRegressionModel {
  readonly weights: ReadonlyArray<number>;
  readonly intercept: number;
  readonly #w: Float64Array;

  constructor(weights: ReadonlyArray<number>, intercept = 0) {
    this.weights = Object.freeze([...weights]);
    this.intercept = intercept;
    this.#w = Float64Array.from(weights);
  }

  /** The prediction for `x`. */
  predict(x: Vector): number {
    checkVector(x, this.#w.length, "predict's features");
    return this.margin(x);
  }

  /** `weights · x + intercept` for a checked `x`. */
  margin(x: Vector): number {
    return dot(x, this.#w) + this.intercept;
  }

  /** `LinearRegressionModel(weights=[…], intercept=0)`. */
  toString(): string {
    return `${this.constructor.name}(weights=[${this.weights.join(",")}], intercept=${this.intercept})`;
  }
}

/**
 * A binary logistic regression model: `predict(x)` is 1 when the probability
 * σ(weights · x + intercept) is above `threshold` (0.5), else 0.
 *
 * @category regression
 * @since 0.3.0
 */
export class LogisticRegressionModel extends LinearRegressionModel {
  readonly threshold: number;

  constructor(weights: ReadonlyArray<number>, intercept = 0, threshold = 0.5) {
    super(weights, intercept);
    this.threshold = threshold;
  }

  /** 1 or 0: is the probability of class 1 above the threshold? */
  override predict(x: Vector): number {
    return this.probability(x) > this.threshold ? 1 : 0;
  }

  /** The probability of class 1. */
  probability(x: Vector): number {
    checkVector(x, this.weights.length, "probability's features");
    return sigmoid(this.margin(x));
  }
}

const sigmoid = (m: number): number => (m > 0 ? 1 / (1 + Math.exp(-m)) : Math.exp(m) / (1 + Math.exp(m)));

/**
 * Options of the streaming SGD algorithms (MLlib's defaults: `stepSize` 0.1,
 * `numIterations` 50, `miniBatchFraction` 1, `regParam` 0, `convergenceTol` 0.001).
 *
 * @category regression
 * @since 0.3.0
 */
export interface StreamingSGDOptions {
  /** The first step's size; step i is `stepSize / √i`. */
  readonly stepSize?: number;
  /** SGD iterations per batch. */
  readonly numIterations?: number;
  /** The fraction of each batch sampled per iteration (0 < f ≤ 1). */
  readonly miniBatchFraction?: number;
  /** The regularization parameter. */
  readonly regParam?: number;
  /** The regularization: `"none"` (linear's default), `"l2"` (logistic's default) or `"l1"`. */
  readonly regType?: RegType;
  /** Stop a batch's iterations once the weights move less than this, relative to their norm. */
  readonly convergenceTol?: number;
  /** The starting weights; their length is the model's dimension. */
  readonly initialWeights?: Vector;
  /** The sampling seed (MLlib's is 42); iteration i samples with `seed + i`. */
  readonly seed?: number;
  /** The model's stable name, under which a checkpoint keeps its state. */
  readonly name?: string;
}

/**
 * The state a checkpoint keeps for a linear model.
 *
 * @category regression
 * @since 0.3.0
 */
export interface LinearModelState {
  readonly weights: ReadonlyArray<number>;
  readonly intercept: number;
}

const LinearModelStateType: t.Type<LinearModelState> = t.readonly(t.type({ weights: t.readonlyArray(t.number), intercept: t.number }));

/**
 * What the two streaming linear algorithms share (MLlib's `StreamingLinearAlgorithm`).
 *
 * @category regression
 * @since 0.3.0
 */
export abstract class StreamingLinearAlgorithm<M extends LinearRegressionModel> {
  /** The stable name a checkpoint keeps this model's state under. */
  readonly name: string;
  /** The state codec for checkpoints: weights and intercept as plain data. */
  readonly stateCodec: StateCodec<LinearModelState> = ioTsStateCodec(LinearModelStateType);
  #stepSize: number;
  #numIterations: number;
  #miniBatchFraction: number;
  #regParam: number;
  #regType: RegType;
  #convergenceTol: number;
  #seed: number;
  #model: M | undefined;
  /** The loss per iteration of the last batch trained on. */
  #lossHistory: ReadonlyArray<number> = [];

  protected abstract readonly gradient: Gradient;
  protected abstract readonly kind: string;
  protected abstract createModel(weights: ReadonlyArray<number>, intercept: number): M;
  /** Why a label is unusable, or undefined. */
  protected abstract labelProblem(label: number): string | undefined;

  constructor(options: StreamingSGDOptions, defaultRegType: RegType, defaultName: string) {
    this.name = checkName(options.name ?? defaultName, defaultName);
    this.#stepSize = checkNumber(options.stepSize ?? 0.1, "stepSize", (x) => x > 0, "> 0");
    this.#numIterations = checkPositiveInt(options.numIterations ?? 50, "numIterations", "{ numIterations: 50 }");
    this.#miniBatchFraction = checkNumber(options.miniBatchFraction ?? 1, "miniBatchFraction", (x) => x > 0 && x <= 1, "in (0, 1]");
    this.#regParam = checkNumber(options.regParam ?? 0, "regParam", (x) => x >= 0, "≥ 0");
    this.#regType = checkRegType(options.regType ?? defaultRegType);
    this.#convergenceTol = checkNumber(options.convergenceTol ?? 0.001, "convergenceTol", (x) => x >= 0, "≥ 0");
    this.#seed = checkNumber(options.seed ?? 42, "seed", (x) => Number.isSafeInteger(x), "a whole number");
    if (options.initialWeights !== undefined) this.setInitialWeights(options.initialWeights);
  }

  /** Sets the first step's size. */
  setStepSize(stepSize: number): this {
    this.#stepSize = checkNumber(stepSize, "stepSize", (x) => x > 0, "> 0");
    return this;
  }

  /** Sets the iterations per batch. */
  setNumIterations(numIterations: number): this {
    this.#numIterations = checkPositiveInt(numIterations, "numIterations", "setNumIterations(50)");
    return this;
  }

  /** Sets the fraction sampled per iteration. */
  setMiniBatchFraction(fraction: number): this {
    this.#miniBatchFraction = checkNumber(fraction, "miniBatchFraction", (x) => x > 0 && x <= 1, "in (0, 1]");
    return this;
  }

  /** Sets the regularization parameter. */
  setRegParam(regParam: number): this {
    this.#regParam = checkNumber(regParam, "regParam", (x) => x >= 0, "≥ 0");
    return this;
  }

  /** Sets the convergence tolerance. */
  setConvergenceTol(tolerance: number): this {
    this.#convergenceTol = checkNumber(tolerance, "convergenceTol", (x) => x >= 0, "≥ 0");
    return this;
  }

  /** Sets the starting weights; their length is the model's dimension. */
  setInitialWeights(weights: Vector): this {
    const dim = Array.isArray(weights) || weights instanceof Float64Array ? weights.length : (weights as { size?: unknown })?.size;
    if (typeof dim !== "number" || dim < 1) throw new TypeError(`setInitialWeights needs a non-empty vector, got ${describeValue(weights)}`);
    checkVector(weights, dim, "initialWeights");
    this.#model = this.createModel(toArray(weights), 0);
    return this;
  }

  /** The model as of the last non-empty batch trained on. */
  latestModel(): M {
    return this.#initialized("latestModel");
  }

  /** The loss of each SGD iteration of the last batch trained on (MLlib's stochastic loss history). */
  lossHistory(): ReadonlyArray<number> {
    return this.#lossHistory;
  }

  /**
   * Trains on every batch of `stream` (an output operation; the model is registered with
   * the context's checkpoints under `name`). Points with a wrong
   * dimension, a NaN or an unusable label go to the returned `rejected` stream.
   */
  trainOn<P extends Example>(stream: DStream<P>): Training<P> {
    const dim = this.#initialized("trainOn").weights.length;
    const where = `${this.kind}.trainOn`;
    const streams = checked(stream, where, where, (p: P) => this.#pointProblem(p, dim));
    streams.valid.context.registerOutput(streams.valid, where, (rdd) => {
      const partitions = rdd.collectPartitions();
      if (partitions.every((p) => p.length === 0)) return; // MLlib: an empty batch leaves the model alone
      const model = this.#initialized("trainOn");
      const result = runMiniBatchSGD(partitions, this.gradient, {
        stepSize: this.#stepSize,
        numIterations: this.#numIterations,
        regParam: this.#regParam,
        miniBatchFraction: this.#miniBatchFraction,
        convergenceTol: this.#convergenceTol,
        regType: this.#regType,
        seed: this.#seed,
      }, model.weights);
      this.#lossHistory = result.lossHistory;
      this.#model = this.createModel(Array.from(result.weights), model.intercept);
    });
    registerModel(streams.valid.context, this.kind, this);
    return { rejected: streams.rejected, counts: streams.counts, name: streams.node.name };
  }

  /** The prediction for each vector, by the model as it is when the batch runs. */
  predictOn<V extends Vector>(stream: DStream<V>): PredictionDStream<number, V> {
    const dim = this.#initialized("predictOn").weights.length;
    const where = `${this.kind}.predictOn`;
    const streams = checked(stream, where, where, (v: V) => vectorProblem(v, dim, "features"));
    return new PredictionNode(streams, "predictOn", (v: V) => this.predictChecked(this.#model!, v));
  }

  /** `predictOn` for the values of a pair stream, keeping the keys. */
  predictOnValues<K, V extends Vector>(stream: DStream<readonly [K, V]>): PredictionDStream<readonly [K, number], readonly [K, V]> {
    const dim = this.#initialized("predictOnValues").weights.length;
    const where = `${this.kind}.predictOnValues`;
    const streams = checked(stream, where, where, (pair: readonly [K, V]) =>
      Array.isArray(pair) && pair.length === 2
        ? vectorProblem(pair[1], dim, "features")
        : `predictOnValues needs [key, features] pairs, got ${describeValue(pair)}`);
    return new PredictionNode(streams, "predictOnValues", (pair: readonly [K, V]) => [pair[0], this.predictChecked(this.#model!, pair[1])] as const);
  }

  /** The model's state as plain data, for a checkpoint. */
  snapshot(): LinearModelState {
    const model = this.#initialized("snapshot");
    return { weights: [...model.weights], intercept: model.intercept };
  }

  /** Puts back a state `snapshot` returned (e.g. read from a checkpoint). */
  restore(state: LinearModelState): void {
    const current = this.#model;
    if (current !== undefined && current.weights.length !== state.weights.length) {
      throw new Error(
        `${this.name}: the checkpoint holds ${state.weights.length} weights, the code sets ${current.weights.length}: give the model another name or delete the checkpoint`,
      );
    }
    checkVector(state.weights, state.weights.length, `${this.name}'s restored weights`);
    this.#model = this.createModel([...state.weights], state.intercept);
  }

  /** The prediction of `model` for a checked `x`. */
  protected abstract predictChecked(model: M, x: Vector): number;

  #pointProblem(p: Example, dim: number): string | undefined {
    if (typeof p !== "object" || p === null || !("features" in p) || !("label" in p)) {
      return `expected a LabeledPoint { label, features }, got ${describeValue(p)}`;
    }
    if (typeof p.label !== "number" || !Number.isFinite(p.label)) return `label is ${describeValue(p.label)}: labels must be finite numbers`;
    return this.labelProblem(p.label) ?? vectorProblem(p.features, dim, "features");
  }

  #initialized(operation: string): M {
    if (this.#model === undefined) {
      throw new Error(`${this.kind}.${operation} needs initial weights: pass { initialWeights } or call setInitialWeights(weights) first`);
    }
    return this.#model;
  }
}

/**
 * MLlib's `StreamingLinearRegressionWithSGD`: least squares, fitted by SGD on every
 * batch from the previous batch's weights.
 *
 * @example
 * ```ts
 * import { ManualClock, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import { LabeledPoint, StreamingLinearRegressionWithSGD } from "@dstreams/dstreams/ml";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const points = [[1, 0], [0, 1], [1, 1]].map((x) => new LabeledPoint(2 * x[0]! - x[1]!, x));
 * const lr = new StreamingLinearRegressionWithSGD({ stepSize: 0.5, numIterations: 100, initialWeights: [0, 0] });
 * lr.trainOn(ssc.queueStream(Array.from({ length: 5 }, () => points)));
 * ssc.start();
 * await clock.advance(Seconds(5));
 * await ssc.stop();
 * const [a, b] = lr.latestModel().weights;
 * assert.ok(Math.abs(a! - 2) < 0.01 && Math.abs(b! + 1) < 0.01);
 * ```
 * @category regression
 * @since 0.3.0
 */
export class StreamingLinearRegressionWithSGD extends StreamingLinearAlgorithm<LinearRegressionModel> {
  protected readonly gradient: Gradient = leastSquaresGradient;
  protected readonly kind: string = "StreamingLinearRegressionWithSGD";

  constructor(options: StreamingSGDOptions = {}) {
    super(options, "none", "StreamingLinearRegressionWithSGD");
  }

  protected createModel(weights: ReadonlyArray<number>, intercept: number): LinearRegressionModel {
    return new LinearRegressionModel(weights, intercept);
  }

  protected labelProblem(): string | undefined {
    return undefined;
  }

  protected predictChecked(model: LinearRegressionModel, x: Vector): number {
    return model.margin(x);
  }
}

/**
 * MLlib's `StreamingLogisticRegressionWithSGD`: binary logistic regression (labels 0
 * and 1), fitted by SGD on every batch with L2 regularization (`regParam`); predictions
 * are 0 or 1 at threshold 0.5.
 *
 * @category regression
 * @since 0.3.0
 */
export class StreamingLogisticRegressionWithSGD extends StreamingLinearAlgorithm<LogisticRegressionModel> {
  protected readonly gradient: Gradient = logisticGradient;
  protected readonly kind: string = "StreamingLogisticRegressionWithSGD";

  constructor(options: StreamingSGDOptions = {}) {
    super(options, "l2", "StreamingLogisticRegressionWithSGD");
  }

  protected createModel(weights: ReadonlyArray<number>, intercept: number): LogisticRegressionModel {
    return new LogisticRegressionModel(weights, intercept);
  }

  protected labelProblem(label: number): string | undefined {
    return label === 0 || label === 1 ? undefined : `label is ${label}: logistic regression takes labels 0 and 1`;
  }

  protected predictChecked(model: LogisticRegressionModel, x: Vector): number {
    return sigmoid(model.margin(x)) > model.threshold ? 1 : 0;
  }
}

const toArray = (v: Vector): number[] => {
  if (Array.isArray(v) || v instanceof Float64Array) return Array.from(v);
  const sparse = v as { size: number; indices: ArrayLike<number>; values: ArrayLike<number> };
  const out = new Array<number>(sparse.size).fill(0);
  for (let i = 0; i < sparse.indices.length; i++) out[sparse.indices[i]!] = sparse.values[i]!;
  return out;
};

const checkNumber = (x: unknown, what: string, ok: (x: number) => boolean, rule: string): number => {
  if (typeof x !== "number" || Number.isNaN(x) || !ok(x)) throw new RangeError(`${what} must be a number ${rule}, got ${describeValue(x)}`);
  return x;
};

const checkRegType = (r: unknown): RegType => {
  if (r !== "none" && r !== "l2" && r !== "l1") throw new TypeError(`regType must be "none", "l2" or "l1", got ${describeValue(r)}`);
  return r;
};
