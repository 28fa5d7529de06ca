/**
 * 1c. Word count with the Streaming page attached (dstreams/ui, a browser's event
 * stream connected): workload 1's input and peers. dstreams' timed figure is the run with
 * the page; each run also times the same job without it, in alternating order, and
 * reports `pageOverhead` = with ÷ without (target: ≤ 1.05).
 */
import { performance } from "node:perf_hooks";
import { flatMap, foreachRDD, ManualClock, map, pipe, reduceByKey, Seconds, SparkContext, StreamingContext } from "../../mod.ts";
import { startUI } from "../../ui.ts";
import { recordsOf } from "../_drivers.ts";
import type { Workload } from "../harness.ts";
import type { LineInput, WordCount } from "./_common.ts";
import { wordCount } from "./wordcount.ts";

const BATCH = Seconds(1);

/** Runs workload 1's pipeline, with the page and a reader of its events when `withPage`; returns ms. */
const timedRun = async (batches: ReadonlyArray<ReadonlyArray<string>>, sink: (records: ReadonlyArray<WordCount>) => void, withPage: boolean) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "bench" }), BATCH, { clock });
  pipe(
    ssc.queueStream(batches),
    flatMap((line: string) => line.split(" ")),
    map((word: string) => [word, 1] as const),
    reduceByKey((a: number, b: number) => a + b),
    foreachRDD((rdd) => sink(recordsOf(rdd))),
  );
  const ui = withPage ? await startUI(ssc, { port: 0, statusLine: false }) : undefined;
  const reading = new AbortController();
  if (ui !== undefined) {
    const events = await fetch(`${ui.url}events`, { signal: reading.signal });
    const reader = events.body!.getReader();
    void (async () => {
      try {
        while (!(await reader.read()).done);
      } catch { /* aborted */ }
    })();
  }
  const start = performance.now();
  ssc.start();
  for (let i = 0; i < batches.length; i++) await clock.advance(BATCH);
  await ssc.stop();
  const elapsed = performance.now() - start;
  reading.abort();
  await ui?.close();
  return elapsed;
};

let runs = 0;

export const wordCountWithPage: Workload<LineInput, WordCount> = {
  ...wordCount,
  id: "wordcount-ui",
  title: "1c. word count, page attached",
  // The page's overhead is a dstreams figure; the peers' rows are in workload 1.
  contenders: {
    "hand loop": wordCount.contenders["hand loop"],
    RxJS: { unavailable: "not measured: the page overhead is a dstreams figure (see 1. word count for the peers)" },
    Effect: { unavailable: "not measured: the page overhead is a dstreams figure (see 1. word count for the peers)" },
    dstreams: async ({ batches }, sink) => {
      // Reads every record, as the harness's sink does in timed runs (an RDD is computed only when read).
      let total = 0;
      const discard = (records: ReadonlyArray<WordCount>) => {
        for (let i = 0; i < records.length; i++) total += records[i]![1];
      };
      const withoutFirst = runs++ % 2 === 0;
      const without1 = withoutFirst ? await timedRun(batches, discard, false) : 0;
      const withPage = await timedRun(batches, sink, true);
      const without = withoutFirst ? without1 : await timedRun(batches, discard, false);
      if (total === 0) throw new Error("the run without the page counted no words");
      return { elapsedMs: withPage, extra: { withoutPageMs: without, pageOverhead: withPage / without } };
    },
  },
};
