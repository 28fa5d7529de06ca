/**
 * dstreams/spi: the extension entry point, for authors of sources and sinks. It exports
 * the machinery the public face (`dstreams`) keeps out of sight: the node classes a
 * stream is built from, the port of the context they are built on, and the pieces the
 * library's own inputs are made of. Users of the library do not need it.
 *
 * - An input extends {@link InputDStream} (`take(time)` fixes a batch's records at its
 *   batch time) on `graphOf(ssc)`; a receiver-based one uses `Receiver` (public) instead.
 * - A transformation extends {@link TransformedDStream} or {@link DStreamNode}; reach a
 *   user's stream's node with {@link nodeOf}.
 * - An output registers itself with `nodeOf(stream).context.registerOutput(node, name, run)`.
 *
 * @example
 * ```ts
 * import { foreachRDD, ManualClock, pipe, RDD, Seconds, SparkContext, StreamingContext, type Time } from "@dstreams/dstreams";
 * import { graphOf, InputDStream, type StreamingGraph } from "@dstreams/dstreams/spi";
 * import assert from "node:assert";
 * // An input whose batch at time t holds t / 1000.
 * class Ticks extends InputDStream<number> {
 *   constructor(graph: StreamingGraph) {
 *     super(graph, "ticks");
 *   }
 *   protected override take(time: Time) {
 *     return { rdd: RDD.fromArray([time.milliseconds / 1000]), count: 1 };
 *   }
 * }
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: number[] = [];
 * pipe(new Ticks(graphOf(ssc)), foreachRDD((rdd) => void seen.push(...rdd.collect())));
 * ssc.start();
 * await clock.advance(Seconds(2));
 * await ssc.stop();
 * assert.deepEqual(seen, [1, 2]);
 * ```
 *
 * @module
 */

export { DStreamNode, nodeOf, TransformedDStream } from "./lib/dstream/_node.ts";
export { InputDStream, type ShippedPartition, type TakenBatch } from "./lib/dstream/_input.ts";
export type { Backlog, Logger, RateControl, RateSettings, StreamingGraph } from "./lib/dstream/_graph.ts";
export { dual, firstIsStream, firstTwoAreStreams } from "./lib/dstream/_dual.ts";
export { graphOf } from "./lib/context/streaming_context.ts";
export { ReceiverInputDStream } from "./lib/sources/_receiver_stream.ts";
export { SocketReceiver, SocketTextInputDStream } from "./lib/sources/socket.ts";
export { QueueInputDStream } from "./lib/sources/queue.ts";
export { FileInputDStream, fixedLength } from "./lib/sources/file.ts";
export { checkMaxRate, RateLimiter } from "./lib/sources/rate_limiter.ts";
export { decodesToItself } from "./lib/dstream/_fast_path.ts";
export { KeyMap, sameKey } from "./lib/rdd/_keys.ts";
export type { Recoverable } from "./lib/checkpoint/recoverable.ts";
export { ioTsStateCodec, type StateCodec, type StateCodecOptions, v8StateCodec } from "./lib/checkpoint/state_codec.ts";
export { openWriteAheadLog, type LoggedBlock, type WriteAheadLog, type WriteAheadLogOptions } from "./lib/checkpoint/write_ahead_log.ts";
