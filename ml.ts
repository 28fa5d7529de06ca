/**
 * dstreams/ml: MLlib's streaming machine learning on DStreams — `StreamingKMeans`,
 * `StreamingLinearRegressionWithSGD` and `StreamingLogisticRegressionWithSGD`, with
 * MLlib's parameters and update rules. `trainOn(stream)` registers an output operation
 * that updates the model every batch; `predictOn` / `predictOnValues` map a stream with
 * the model as it is when the batch runs; `latestModel()` is the current model.
 *
 * Vectors are `number[]`, `Float64Array` or sparse `{ size, indices, values }`; a record
 * with a wrong dimension, a NaN (or ±Infinity) or a bad label is not used: it becomes a
 * dead letter with its reason, in the `rejected` stream the call returns, and is counted.
 *
 * Each model is plain state (`snapshot()` / `restore(state)`, a stable `name` and a
 * `stateCodec`), so it can be checkpointed with the other state of a pipeline.
 *
 * @example
 * ```ts
 * import { foreachRDD, ManualClock, pipe, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import { StreamingKMeans } from "@dstreams/dstreams/ml";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const model = new StreamingKMeans({ k: 2, decayFactor: 1 }).setInitialCenters([[0], [10]], [1, 1]);
 * const { rejected } = model.trainOn(ssc.queueStream<number[]>([[[1], [9], [1, 2]]]));
 * const reasons: string[] = [];
 * pipe(rejected, foreachRDD((rdd) => void reasons.push(...rdd.collect().flatMap((dead) => dead.errors))));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(model.latestModel().clusterCenters, [[0.5], [9.5]]);
 * assert.deepEqual(reasons, ["point has 2 entries, the model has dimension 1: send vectors of 1 numbers"]);
 * ```
 *
 * @module
 */

export { isSparse, LabeledPoint, type SparseVector, type Vector, Vectors } from "./lib/ml/vectors.ts";
export {
  type KMeansState,
  type PredictionDStream,
  StreamingKMeans,
  StreamingKMeansModel,
  type StreamingKMeansOptions,
  type TimeUnit,
  type Training,
} from "./lib/ml/kmeans.ts";
export {
  type LinearModelState,
  LinearRegressionModel,
  LogisticRegressionModel,
  StreamingLinearAlgorithm,
  StreamingLinearRegressionWithSGD,
  StreamingLogisticRegressionWithSGD,
  type StreamingSGDOptions,
} from "./lib/ml/linear.ts";
export type { RegType } from "./lib/ml/_sgd.ts";
