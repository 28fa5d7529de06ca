/**
 * MLlib's mini-batch gradient descent (`GradientDescent.runMiniBatchSGD`), its gradients
 * (least squares, logistic) and updaters (simple, L2, L1). Internal.
 *
 * Per iteration i = 1 … numIterations: sample the batch (fraction `miniBatchFraction`,
 * seed `seed + i`, without replacement; all of it at 1), average the gradients at the
 * current weights over the sample, and step by `stepSize / √i` through the updater.
 * Stops early when ‖w_i − w_{i−1}‖ < convergenceTol · max(‖w_i‖, 1).
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { axpy, dot, type Vector } from "./vectors.ts";

/** One labelled example as the loops read it. */
export interface Example {
  readonly label: number;
  readonly features: Vector;
}

/** Adds one example's gradient at `weights` into `cumulative`; returns its loss. */
export type Gradient = (features: Vector, label: number, weights: Float64Array, cumulative: Float64Array) => number;

/** MLlib's `LeastSquaresGradient`: (w·x − y) x, loss (w·x − y)² / 2. */
export const leastSquaresGradient: Gradient = (features, label, weights, cumulative) => {
  const diff = dot(features, weights) - label;
  axpy(diff, features, cumulative);
  return (diff * diff) / 2;
};

// log(1 + e^x) without overflow (MLlib's MLUtils.log1pExp).
const log1pExp = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** MLlib's binary `LogisticGradient`: (σ(w·x) − y) x. */
export const logisticGradient: Gradient = (features, label, weights, cumulative) => {
  const margin = -dot(features, weights);
  const multiplier = 1 / (1 + Math.exp(margin)) - label;
  axpy(multiplier, features, cumulative);
  return label > 0 ? log1pExp(margin) : log1pExp(margin) - margin;
};

/** The kinds of regularization: MLlib's `SimpleUpdater`, `SquaredL2Updater`, `L1Updater`. */
export type RegType = "none" | "l2" | "l1";

/**
 * Steps `weights` (in place) against `gradient` at iteration `iter`; returns the
 * regularization value of the new weights.
 */
const update = (regType: RegType, weights: Float64Array, gradient: Float64Array, stepSize: number, iter: number, regParam: number): number => {
  const step = stepSize / Math.sqrt(iter);
  const n = weights.length;
  switch (regType) {
    case "none":
      for (let i = 0; i < n; i++) weights[i]! -= step * gradient[i]!;
      return 0;
    case "l2": {
      // w' = w − step (g + regParam w) = (1 − step·regParam) w − step g
      const scale = 1 - step * regParam;
      let norm2 = 0;
      for (let i = 0; i < n; i++) {
        const w = scale * weights[i]! - step * gradient[i]!;
        weights[i] = w;
        norm2 += w * w;
      }
      return 0.5 * regParam * norm2;
    }
    case "l1": {
      const shrinkage = regParam * step;
      let norm1 = 0;
      for (let i = 0; i < n; i++) {
        const w = weights[i]! - step * gradient[i]!;
        const shrunk = Math.sign(w) * Math.max(0, Math.abs(w) - shrinkage);
        weights[i] = shrunk;
        norm1 += Math.abs(shrunk);
      }
      return regParam * norm1;
    }
  }
};

/** The parameters of one run. */
export interface SgdParams {
  readonly stepSize: number;
  readonly numIterations: number;
  readonly regParam: number;
  readonly miniBatchFraction: number;
  readonly convergenceTol: number;
  readonly regType: RegType;
  readonly seed: number;
}

/** The result of one run: the new weights and the loss of every iteration that ran. */
export interface SgdResult {
  readonly weights: Float64Array;
  readonly lossHistory: ReadonlyArray<number>;
}

/**
 * Runs mini-batch SGD over `partitions` from `initialWeights`. With no examples the
 * weights come back unchanged (MLlib returns the initial weights).
 */
export const runMiniBatchSGD = (
  partitions: ReadonlyArray<ReadonlyArray<Example>>,
  gradient: Gradient,
  params: SgdParams,
  initialWeights: ReadonlyArray<number>,
): SgdResult => {
  const weights = Float64Array.from(initialWeights);
  const n = weights.length;
  const lossHistory: number[] = [];
  let examples = 0;
  for (const part of partitions) examples += part.length;
  if (examples === 0) return { weights, lossHistory };
  // The regularization value of the initial weights (MLlib: a zero step through the updater).
  let regVal = params.regType === "l2"
    ? 0.5 * params.regParam * weights.reduce((s, w) => s + w * w, 0)
    : params.regType === "l1"
    ? params.regParam * weights.reduce((s, w) => s + Math.abs(w), 0)
    : 0;
  const whole = params.miniBatchFraction >= 1;
  const source = whole ? undefined : RDD.fromPartitions(partitions);
  const gradientSum = new Float64Array(n);
  const previous = new Float64Array(n);
  let hasPrevious = false;
  for (let i = 1; i <= params.numIterations; i++) {
    gradientSum.fill(0);
    let lossSum = 0;
    let size = 0;
    if (source === undefined) {
      for (const part of partitions) {
        for (let r = 0; r < part.length; r++) {
          const e = part[r]!;
          lossSum += gradient(e.features, e.label, weights, gradientSum);
        }
        size += part.length;
      }
    } else {
      source.sample(false, params.miniBatchFraction, params.seed + i).foreach((e) => {
        lossSum += gradient(e.features, e.label, weights, gradientSum);
        size++;
      });
    }
    if (size === 0) continue; // MLlib: "the size of sampled batch is zero", the weights stay
    lossHistory.push(lossSum / size + regVal);
    for (let j = 0; j < n; j++) gradientSum[j]! /= size;
    previous.set(weights);
    regVal = update(params.regType, weights, gradientSum, params.stepSize, i, params.regParam);
    // MLlib compares two consecutive updated weights: from the second update on.
    if (hasPrevious) {
      let diff2 = 0;
      let norm2 = 0;
      for (let j = 0; j < n; j++) {
        const d = weights[j]! - previous[j]!;
        diff2 += d * d;
        norm2 += weights[j]! * weights[j]!;
      }
      if (Math.sqrt(diff2) < params.convergenceTol * Math.max(Math.sqrt(norm2), 1)) break;
    }
    hasPrevious = true;
  }
  return { weights, lossHistory };
};
