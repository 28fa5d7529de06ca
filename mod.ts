/**
 * dstreams: Spark Streaming's discretized streams (DStreams) as a typed, functional
 * TypeScript library for Deno and Node. Build a pipeline with data-last combinators
 * and `pipe`; it runs once per batch after `ssc.start()`.
 *
 * @example
 * ```ts
 * import { count, flatMap, ManualClock, pipe, pprint, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
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
 * assert.equal(blocks[0], "-------------------------------------------\nTime: 1000 ms\n-------------------------------------------\n3\n");
 * ```
 *
 * @module
 */

export { pipe } from "fp-ts/lib/function.js";
export { isNone, isSome, none, type Option, some } from "fp-ts/lib/Option.js";

// time
export { Duration, Milliseconds, Minutes, Seconds, Time } from "./lib/time/duration.ts";
export { type Clock, type DrivenByClock, ManualClock, SystemClock } from "./lib/time/clock.ts";

// batch data
export { RDD } from "./lib/rdd/rdd.ts";

// lineage
export { DStream, isDStream, TransformedDStream } from "./lib/dstream/dstream.ts";
export { InputDStream } from "./lib/dstream/input.ts";
export type { Logger, StreamingGraph } from "./lib/dstream/graph.ts";
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
  slice,
  transform,
  transformWith,
  union,
  unionAll,
} from "./lib/dstream/stateless.ts";
export {
  countByValueAndWindow,
  countByWindow,
  groupByKeyAndWindow,
  reduceByKeyAndWindow,
  reduceByWindow,
  window,
} from "./lib/dstream/window.ts";
export {
  cogroup,
  combineByKey,
  flatMapValues,
  fullOuterJoin,
  groupByKey,
  join,
  leftOuterJoin,
  mapValues,
  reduceByKey,
  rightOuterJoin,
  type Widen,
} from "./lib/dstream/pair.ts";
export {
  mapWithState,
  MapWithStateDStream,
  type State,
  type StateData,
  type StatefulDStream,
  stateSnapshots,
  StateSpec,
  type UpdateFunction,
  updateStateByKey,
  type UpdateStateOptions,
} from "./lib/dstream/state.ts";
export { UserFunctionError } from "./lib/rdd/user_function_error.ts";

// contexts
export { type LogLevel, type SparkConf, SparkContext } from "./lib/context/spark_context.ts";
export {
  type StopOptions,
  StreamingContext,
  type StreamingContextOptions,
  type StreamingContextState,
} from "./lib/context/streaming_context.ts";
export { BatchError } from "./lib/context/job_scheduler.ts";
export type {
  BatchInfo,
  OutputOperationInfo,
  ReceiverInfo,
  StreamingListener,
} from "./lib/context/listener.ts";

// inputs
export { QueueInputDStream, type QueueStreamOptions } from "./lib/sources/queue.ts";
export { SocketReceiver, SocketTextInputDStream, type SocketTextStreamOptions } from "./lib/sources/socket.ts";
export { Receiver, ReceiverInputDStream, type ReceiverOptions } from "./lib/sources/receiver.ts";
export { RateLimiter } from "./lib/sources/rate_limiter.ts";
export { FileInputDStream, type FileFormat, type FileStreamOptions, fixedLengthRecords, textLines } from "./lib/sources/file.ts";

// typed records
export {
  csvLines,
  type CsvOptions,
  DeadLetter,
  decode,
  DecodeCounts,
  type Decoded,
  type DecodeOptions,
  decodesToItself,
  formatValidationErrors,
  jsonLines,
  NumberFromString,
} from "./lib/dstream/decode.ts";

// outputs
export { foreachRDD, formatBatch, pprint, type PprintOptions } from "./lib/sinks/output.ts";
export { formatRecord } from "./lib/sinks/format.ts";
export { rddToFileName, saveAsTextFiles } from "./lib/sinks/text_files.ts";
export { startTextFeeder, type TextFeeder, type TextFeederOptions } from "./lib/sources/text_feeder.ts";
