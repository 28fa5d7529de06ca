/** Small helpers for tests that build contexts by hand. */
import { ManualClock, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import type { Duration } from "../mod.ts";

export interface TestContext {
  readonly sc: SparkContext;
  readonly ssc: StreamingContext;
  readonly clock: ManualClock;
  /** Every log line, e.g. `"WARN test: StreamingContext has already been started"`. */
  readonly log: string[];
}

/** A StreamingContext on a manual clock that starts at `startTime`, logging into an array. */
export const testContext = (batch: Duration = Seconds(1), startTime = 0, sc?: SparkContext): TestContext => {
  const log: string[] = [];
  const spark = sc ?? new SparkContext({ appName: "test", master: "local[2]", logLevel: "INFO", log: (line) => log.push(line) });
  const clock = new ManualClock(startTime);
  return { sc: spark, ssc: new StreamingContext(spark, batch, { clock }), clock, log };
};
