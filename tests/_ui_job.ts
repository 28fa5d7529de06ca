/** A small job for the UI's tests: words decoded from JSON lines, counted, kept in state; one batch fails. */
import * as tt from "io-ts";
import {
  type BatchInfo,
  foreachRDD,
  jsonLines,
  map,
  named,
  type Option,
  pprint,
  reduceByKey,
  Seconds,
  some,
  SparkContext,
  updateStateByKey,
} from "../mod.ts";
import { testContext } from "./_contexts.ts";

/** The message the failing batch's output throws: markup, to prove it is shown as text. */
export const FAILURE = `<img src=x onerror="window.__pwned = 1"> the sink is down`;

/** Lines per batch: batch 2 has a line that is no JSON and one of the wrong shape. */
export const LINES: ReadonlyArray<ReadonlyArray<string>> = [
  ['{"word":"a"}', '{"word":"b"}', '{"word":"a"}'],
  ['{"word":"c"}', "not json", '{"word":7}'],
  ['{"word":"a"}'],
  ['{"word":"d"}', '{"word":"e"}', '{"word":"f"}', '{"word":"a"}'],
  [],
  ['{"word":"b"}', '{"word":"b"}'],
];

export interface UIJob {
  readonly ssc: ReturnType<typeof testContext>["ssc"];
  readonly clock: ReturnType<typeof testContext>["clock"];
  readonly log: string[];
  /** What a plain listener saw, batch by batch. */
  readonly completed: BatchInfo[];
  readonly decoderName: string;
}

/** Builds the job (not started). The output `sink` fails at the batch of `failAt` ms. */
export const uiJob = (options: { readonly appName?: string; readonly failAt?: number } = {}): UIJob => {
  const log: string[] = [];
  const sc = new SparkContext({ appName: options.appName ?? "ui-test", master: "local[2]", logLevel: "INFO", log: (line) => log.push(line) });
  const { ssc, clock } = testContext(Seconds(1), 0, sc);
  const lines = ssc.queueStream(LINES, { oneAtATime: true }).pipe(named("lines"));
  const decoded = lines.pipe(jsonLines(tt.type({ word: tt.string })));
  const counts = decoded.valid.pipe(
    map((event) => [event.word, 1] as const),
    reduceByKey((a, b) => a + b),
    named("word-counts"),
  );
  const totals = counts.pipe(
    updateStateByKey((values: ReadonlyArray<number>, state: Option<number>) =>
      some(values.reduce((a, b) => a + b, state._tag === "Some" ? state.value : 0))
    ),
    named("totals"),
  );
  counts.pipe(pprint(10, { print: () => {} }));
  totals.pipe(foreachRDD((_rdd, time) => {
    if (time.milliseconds === options.failAt) throw new Error(FAILURE);
  }));
  const completed: BatchInfo[] = [];
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void completed.push(batchInfo) });
  return { ssc, clock, log, completed, decoderName: decoded.name };
};
