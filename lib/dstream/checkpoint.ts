/**
 * `checkpoint(interval)`: Spark's `DStream.checkpoint`, how often a stateful stream's state
 * is written into the context's checkpoints (`ssc.checkpoint(directory)`).
 *
 * @module
 */
import { Duration } from "../time/duration.ts";
import type { StateCodec } from "../checkpoint/state_codec.ts";
import { describeValue } from "../_describe.ts";
import type { DStream } from "./dstream.ts";
import { dual } from "./_dual.ts";
import { nodeOf } from "./_node.ts";

/**
 * Options of {@link checkpoint}.
 *
 * @category model
 * @since 0.3.0
 */
export interface CheckpointStreamOptions {
  /**
   * How the stream's state is encoded (`ioTsStateCodec(type, { version, migrate })` for typed
   * decoding and migrations; `node:v8` by default). It encodes the node's snapshot: for
   * `updateStateByKey` an array of `[key, state]` pairs, for `mapWithState` an array of
   * `[key, state, last-update ms]`.
   */
  readonly codec?: StateCodec<never>;
}

const checkArgs = (interval: unknown, options: unknown): void => {
  if (interval !== undefined && (!(interval instanceof Duration) || interval.milliseconds <= 0)) {
    throw new TypeError(`checkpoint's interval must be a positive Duration such as Seconds(10), got ${describeValue(interval)}`);
  }
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`checkpoint's options must be an object such as { codec }, got ${describeValue(options)}`);
  }
};

/**
 * How often checkpoints keep this stream's state (Spark's `DStream.checkpoint(interval)`):
 * a multiple of its slide. By default a stateful stream's state is kept every 10 seconds
 * (its slide times the smallest whole number reaching 10 s, as Spark); the context writes
 * all state at the shortest interval any stream asks for, and every input's position at
 * every batch. Returns the same stream.
 *
 * @example
 * ```ts
 * import { checkpoint, ManualClock, map, type Option, pipe, Seconds, some, SparkContext, StreamingContext, updateStateByKey } from "@dstreams/dstreams";
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock: new ManualClock() });
 * const counts = pipe(
 *   ssc.queueStream([["a"]]),
 *   map((w: string) => [w, 1] as const),
 *   updateStateByKey((vs: ReadonlyArray<number>, s: Option<number>) => some(vs.length + (s._tag === "Some" ? s.value : 0))),
 *   checkpoint(Seconds(5)),
 * );
 * void counts;
 * ```
 * @category checkpoints
 * @since 0.3.0
 */
export const checkpoint: {
  (interval?: Duration, options?: CheckpointStreamOptions): <S extends DStream<unknown>>(self: S) => S;
  <S extends DStream<unknown>>(self: S, interval?: Duration, options?: CheckpointStreamOptions): S;
} = dual(<S extends DStream<unknown>>(self: S, interval?: Duration, options: CheckpointStreamOptions = {}): S => {
  checkArgs(interval, options);
  const node = nodeOf(self, "checkpoint");
  if (interval !== undefined && interval.milliseconds % node.slideDuration.milliseconds !== 0) {
    throw new RangeError(
      `checkpoint's interval ${interval} must be a multiple of the stream's slide (${node.slideDuration}) for ${node.name}: e.g. ${new Duration(node.slideDuration.milliseconds * Math.ceil(10_000 / node.slideDuration.milliseconds))}`,
    );
  }
  node.setCheckpointDuration(interval, options.codec as StateCodec<unknown> | undefined);
  return self;
}, undefined, checkArgs);
