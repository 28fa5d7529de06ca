/**
 * What every runnable example does after building its pipeline: start, stop after a
 * number of batches (the demos) or on Ctrl-C, wait for the end, clean up.
 */
import process from "node:process";
import type { StreamingContext } from "../mod.ts";

export interface RunOptions {
  /** Stop once this many batches have completed (default: run until Ctrl-C). */
  readonly stopAfterBatches?: number;
  /** Runs once the context has stopped (close feeders, remove temp dirs, …). */
  readonly cleanup?: () => void | Promise<void>;
}

export const runUntilStopped = async (ssc: StreamingContext, options: RunOptions = {}): Promise<void> => {
  const { stopAfterBatches = Infinity, cleanup } = options;
  let batches = 0;
  ssc.addStreamingListener({
    onBatchCompleted: () => {
      if (++batches >= stopAfterBatches) void ssc.stop();
    },
  });
  process.once("SIGINT", () => void ssc.stop());
  ssc.start();
  try {
    // Resolves once stopped; rejects if a batch failed.
    await ssc.awaitTermination();
  } finally {
    if (ssc.getState() !== "STOPPED") await ssc.stop();
    await cleanup?.();
  }
};
