/**
 * dstreams: Spark Streaming's discretized streams (DStreams) as a typed, functional
 * TypeScript library for Deno and Node. Build a pipeline with data-last combinators
 * and `pipe`; it runs once per batch after `ssc.start()`.
 *
 * @example
 * ```ts
 * import { count, flatMap, ManualClock, pipe, pprint, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock(new Date(2014, 9, 14, 15, 25, 20).getTime()); // local time
 * const ssc = new StreamingContext(new SparkContext({ appName: "Example" }), Seconds(1), { clock });
 * const blocks: string[] = [];
 * pipe(
 *   ssc.queueStream([["a b", "c"]]),
 *   flatMap((line: string) => line.split(" ")),
 *   count(),
 *   pprint(10, { print: (block) => blocks.push(block) }),
 * );
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.equal(blocks[0], "-------------------------------------------\nTime: 2014-10-14 15:25:21\n-------------------------------------------\n3\n");
 * ```
 *
 * @module
 */

export { pipe } from "fp-ts/lib/function.js";
// The Option helpers a callback needs: Spark's Option is fp-ts's.
export { fromNullable, getOrElse, isNone, isSome, none, type Option, some, toUndefined } from "fp-ts/lib/Option.js";

// time
export { Duration, Milliseconds, Minutes, Seconds, Time } from "./lib/time/duration.ts";
export { type Clock, type DrivenByClock, ManualClock, SystemClock } from "./lib/time/clock.ts";

// batch data
export { RDD } from "./lib/rdd/rdd.ts";
export { StatCounter } from "./lib/rdd/stat_counter.ts";
export { keyBy } from "./lib/rdd/_keys.ts";
export { UserFunctionError } from "./lib/rdd/user_function_error.ts";

// streams
export { type DStream, DStreamTypeId, type DStreamVariance, isDStream } from "./lib/dstream/dstream.ts";
export type { Pipeable } from "./lib/dstream/pipeable.ts";
export {
  count,
  countByValue,
  filter,
  flatMap,
  glom,
  map,
  mapPartitions,
  named,
  reduce,
  repartition,
  transform,
} from "./lib/dstream/stateless.ts";
export { transformAll, transformWith, union, unionAll } from "./lib/dstream/multi_stream.ts";
export { slice } from "./lib/dstream/slice.ts";
export { combineByKey, flatMapValues, groupByKey, mapValues, reduceByKey, type Widen } from "./lib/dstream/pair.ts";
export { cogroup, fullOuterJoin, join, leftOuterJoin, rightOuterJoin } from "./lib/dstream/joins.ts";
export {
  countByValueAndWindow,
  countByWindow,
  groupByKeyAndWindow,
  reduceByKeyAndWindow,
  type ReduceByKeyAndWindowOptions,
  reduceByWindow,
  window,
} from "./lib/dstream/window.ts";
export {
  mapWithState,
  type MapWithStateDStream,
  type StateData,
  type StatefulDStream,
  stateSnapshots,
  type UpdateFunction,
  updateStateByKey,
  type UpdateStateOptions,
} from "./lib/dstream/state.ts";
export { type State, StateSpec } from "./lib/dstream/state_spec.ts";

// checkpoints
export { checkpoint, type CheckpointStreamOptions } from "./lib/dstream/checkpoint.ts";
export { ioTsStateCodec, type StateCodec, type StateCodecOptions, v8StateCodec } from "./lib/checkpoint/state_codec.ts";
export type { CheckpointContent, CheckpointStore, LatestCheckpoint, StoredCheckpoint, WriteOptions } from "./lib/checkpoint/store.ts";
export { directoryCheckpointStore, type DirectoryCheckpointStoreOptions } from "./lib/checkpoint/directory_store.ts";
export {
  CheckpointCorruptError,
  CheckpointMismatchError,
  type Refusal,
  StateDecodeError,
  UnsupportedStateError,
  WalCorruptError,
} from "./lib/checkpoint/errors.ts";

// typed records
export { csvLines, type CsvOptions, decode, type DecodeOptions, jsonLines } from "./lib/dstream/decode.ts";
export { DeadLetter, DecodeCounts, type Decoded } from "./lib/dstream/dead_letter.ts";
export { formatValidationErrors } from "./lib/dstream/validation_errors.ts";
export { NumberFromString } from "./lib/dstream/codecs.ts";

// contexts
export { type LogLevel, type SparkConf, SparkContext } from "./lib/context/spark_context.ts";
export {
  type CheckpointOptions,
  DEFAULT_MIN_PARALLEL_BATCH_RECORDS,
  type ModuleOptions,
  type RecoveryOptions,
  type StopOptions,
  StreamingContext,
  type StreamingContextOptions,
  type StreamingContextState,
} from "./lib/context/streaming_context.ts";
export { BatchError } from "./lib/context/job_scheduler.ts";
export type { BatchInfo, OutputOperationInfo, ReceiverInfo, StreamingListener, StreamInputInfo } from "./lib/context/listener.ts";
export type { Logger } from "./lib/dstream/_graph.ts";

// inputs
export type { QueueDStream, QueueStreamOptions } from "./lib/sources/queue.ts";
export type { SocketTextDStream, SocketTextStreamOptions } from "./lib/sources/socket.ts";
export { Receiver, type ReceiverDStream, type ReceiverOptions } from "./lib/sources/receiver.ts";
export { type FileDStream, type FileFormat, type FileStreamOptions, fixedLengthRecords, textLines } from "./lib/sources/file.ts";
export { startTextFeeder, type TextFeeder, type TextFeederOptions } from "./lib/sources/text_feeder.ts";

// outputs
export { foreachRDD, pprint, type PprintOptions, print } from "./lib/sinks/output.ts";
export { formatBatch, formatBatchTime, formatRecord, type PrintStyle } from "./lib/sinks/format.ts";
export { rddToFileName, saveAsTextFiles } from "./lib/sinks/text_files.ts";
