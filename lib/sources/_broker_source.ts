/**
 * What the broker sources (`jetStream`, `redisStream`) share: the options they check alike,
 * the rate control and each batch's budget, decoding a batch's messages into records and
 * dead letters, and splitting the input into those two streams. Internal.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import type { InputDStream, TakenBatch } from "../dstream/_input.ts";
import type { RateControl, StreamingGraph } from "../dstream/_graph.ts";
import type { DStream } from "../dstream/dstream.ts";
import { DeadLetter } from "../dstream/dead_letter.ts";
import { flatMap } from "../dstream/stateless.ts";
import { checkMaxRate } from "./rate_limiter.ts";
import { describeValue } from "../_describe.ts";

/** A message decoded: its record, or the dead letter it became. */
export type Decoded<A, M> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly letter: DeadLetter<M> };

/** The options every broker source has. */
export interface BrokerSourceOptions<M, A> {
  readonly decode?: (message: M) => A;
  readonly maxPerBatch?: number;
  readonly maxRate?: number;
  readonly backpressure?: boolean;
  readonly initialRate?: number;
  readonly minRate?: number;
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Checks that `options` is an object whose `keys` are non-empty strings (`where` names the function in messages). */
export const checkRequiredStrings = <O extends object>(options: O, where: string, keys: ReadonlyArray<keyof O & string>): void => {
  if (typeof options !== "object" || options === null) throw new TypeError(`${where} needs options { ${keys.join(", ")} }, got ${describeValue(options)}`);
  for (const key of keys) {
    const value: unknown = options[key];
    if (typeof value !== "string" || value === "") throw new TypeError(`${where}'s ${key} must be a non-empty string, got ${describeValue(value)}`);
  }
};

/**
 * Checks the shared options: `where` is the source's function name, `item` what it calls a
 * message (`"message"`, `"entry"`) in the decode hint.
 */
export const checkBrokerOptions = <M, A>(options: BrokerSourceOptions<M, A>, where: string, item: string): void => {
  if (options.maxRate !== undefined) checkMaxRate(options.maxRate, where);
  if (options.maxPerBatch !== undefined && (!Number.isInteger(options.maxPerBatch) || options.maxPerBatch < 1)) {
    throw new TypeError(`${where}'s maxPerBatch must be a positive integer, got ${describeValue(options.maxPerBatch)}`);
  }
  if (options.decode !== undefined && typeof options.decode !== "function") throw new TypeError(`${where}'s decode must be a function (${item}) => record, got ${describeValue(options.decode)}`);
};

/** The input's rate control (backpressure and `maxRate`), if the context gives one. */
export const brokerRateControl = <M, A>(graph: StreamingGraph, input: InputDStream<unknown>, options: BrokerSourceOptions<M, A>): RateControl | undefined =>
  graph.rateControl?.(input, {
    backpressure: options.backpressure,
    initialRate: options.initialRate,
    minRate: options.minRate,
    maxRate: options.maxRate,
  });

/**
 * How many messages the batch at `time` may take: `maxPerBatch` (default 10 000), the rate
 * over one batch interval, and a tenth while the job is backlogged, except for batches up to
 * `replayUntil` (generated again after a restore: they take what they took the first time).
 */
export const batchBudget = <M, A>(input: InputDStream<unknown>, rate: RateControl | undefined, options: BrokerSourceOptions<M, A>, time: Time, replayUntil: number): number => {
  let n = options.maxPerBatch ?? 10_000;
  const perSecond = rate?.rate() ?? options.maxRate;
  if (perSecond !== undefined) n = Math.min(n, Math.max(1, Math.ceil((perSecond * input.context.batchDuration.milliseconds) / 1000)));
  // Catching up after a restore is backlogged by nature; a smaller batch would differ from the first run's.
  if (input.context.backlog().backlogged && time.milliseconds > replayUntil) n = Math.max(1, Math.ceil(n / 10));
  return n;
};

/**
 * A batch's messages decoded (a throw makes a dead letter naming the input), its metrics
 * reported as `{ [counted]: messages, [rejected]: dead letters }`, in up to
 * `defaultParallelism` partitions.
 */
export const decodedBatch = <M, A>(
  input: InputDStream<unknown>,
  time: Time,
  messages: ReadonlyArray<M>,
  decode: ((message: M) => A) | undefined,
  metrics: { readonly counted: string; readonly rejected: string },
): TakenBatch<Decoded<A, M>> => {
  const decoded: Array<Decoded<A, M>> = new Array(messages.length);
  let rejected = 0;
  if (decode === undefined) {
    for (let i = 0; i < messages.length; i++) decoded[i] = { ok: true, value: messages[i] as unknown as A };
  } else {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      try {
        decoded[i] = { ok: true, value: decode(m) };
      } catch (error) {
        rejected++;
        decoded[i] = { ok: false, letter: new DeadLetter<M>(m, [`decode threw: ${errorText(error)}`], time, input.name) };
      }
    }
  }
  input.context.reportBatchMetrics(input, time, { [metrics.counted]: messages.length, [metrics.rejected]: rejected });
  const parts = Math.max(1, Math.min(input.context.defaultParallelism, decoded.length));
  return { rdd: RDD.fromArray(decoded, parts), count: decoded.length };
};

/** The decoded records and the dead letters, as two streams of one input. */
export const splitDecoded = <A, M>(input: DStream<Decoded<A, M>>): { records: DStream<A>; deadLetters: DStream<DeadLetter<M>> } => ({
  records: flatMap((d: Decoded<A, M>) => (d.ok ? [d.value] : []))(input),
  deadLetters: flatMap((d: Decoded<A, M>) => (d.ok ? [] : [d.letter]))(input),
});
