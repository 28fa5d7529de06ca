/**
 * How each contender is driven over a list of batches: dstreams under a ManualClock
 * (one `advance` per batch, so figures measure work, not sleeping), RxJS and Effect
 * from their usual entry points.
 */
import { Effect } from "effect";
import type { Observable } from "rxjs";
import {
  type DStream,
  foreachRDD,
  ManualClock,
  type RDD,
  Seconds,
  SparkContext,
  StreamingContext,
} from "../mod.ts";
import type { Sink } from "./harness.ts";

const BATCH = Seconds(1);

/**
 * Runs a dstreams pipeline over `batches` (a queueStream, one batch per batch time),
 * advancing a ManualClock one batch at a time and awaiting each. `build` wires the
 * pipeline and its outputs. Throws the first error a batch reported.
 */
export const runDStreams = async <A>(
  batches: ReadonlyArray<ReadonlyArray<A>>,
  build: (input: DStream<A>, ssc: StreamingContext) => void,
  options: { readonly extraBatches?: number } = {},
): Promise<void> => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "bench" }), BATCH, { clock });
  build(ssc.queueStream(batches), ssc);
  let failure: unknown;
  const watching = ssc.awaitTermination().catch((error: unknown) => {
    failure = error;
  });
  ssc.start();
  const n = batches.length + (options.extraBatches ?? 0);
  for (let i = 0; i < n && failure === undefined; i++) await clock.advance(BATCH);
  await ssc.stop();
  await watching;
  if (failure !== undefined) throw failure;
};

/** The records of an RDD as the sink takes them: an array (`collect()`, as a user would in foreachRDD). */
export const recordsOf = <A>(rdd: RDD<A>): ReadonlyArray<A> => rdd.collect();

/** An output operation that hands each batch's records to the harness's sink (collected after any heap measurement). */
export const toSink = <A>(sink: Sink<A>) => foreachRDD<A>((rdd) => sink(() => rdd.collect()));

/** Subscribes and resolves when the observable completes (rejects on error). */
export const runRx = <A>(observable: Observable<A>): Promise<void> =>
  new Promise((resolve, reject) => {
    observable.subscribe({ error: reject, complete: resolve });
  });

/** Runs an Effect program to completion. */
export const runEffect = <A, E>(program: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(program);
