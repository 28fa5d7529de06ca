/**
 * A generated batch, and the `BatchInfo` listeners see of it at each step.
 *
 * @module
 */
import type { Time } from "../time/duration.ts";
import type { RDD } from "../rdd/rdd.ts";
import type { BatchInfo, OutputOperationInfo, StreamInputInfo } from "./listener.ts";
import type { OutputOperation } from "./job_scheduler.ts";

/** One output operation of a batch, with the RDD it runs on. */
export interface Job {
  readonly output: OutputOperation;
  readonly rdd: RDD<unknown>;
}

/** A batch whose inputs are fixed and whose jobs wait to run. */
export interface GeneratedBatch {
  readonly time: Time;
  readonly jobs: ReadonlyArray<Job>;
  readonly streamIdToNumRecords: ReadonlyMap<number, number>;
  /** Per input: its records and a description (Spark's `StreamInputInfo`). */
  readonly streamIdToInputInfo: ReadonlyMap<number, StreamInputInfo>;
  /**
   * When the batch was due: its batch time, even when the timer generated it late
   * (behind a blocked loop or a full queue), so the scheduling delay counts the wait.
   */
  readonly submissionTime: number;
}

/** How far a batch has got: the processing times, once known, and the outputs that ended. */
export interface BatchProgress {
  readonly processingStartTime?: number;
  readonly processingEndTime?: number;
  readonly operations?: ReadonlyArray<OutputOperationInfo>;
}

const NO_METRICS: ReadonlyMap<string, Readonly<Record<string, number>>> = new Map();

/** The `BatchInfo` of `batch` at `progress`, with the counts its streams reported. */
export const batchInfoOf = (
  batch: GeneratedBatch,
  progress: BatchProgress,
  metrics: ReadonlyMap<string, Readonly<Record<string, number>>> | undefined,
): BatchInfo => {
  const { processingStartTime, processingEndTime } = progress;
  let numRecords = 0;
  for (const n of batch.streamIdToNumRecords.values()) numRecords += n;
  const schedulingDelay = processingStartTime === undefined ? undefined : processingStartTime - batch.submissionTime;
  const processingDelay = processingStartTime === undefined || processingEndTime === undefined
    ? undefined
    : processingEndTime - processingStartTime;
  return {
    batchTime: batch.time,
    streamIdToNumRecords: batch.streamIdToNumRecords,
    streamIdToInputInfo: batch.streamIdToInputInfo,
    numRecords,
    submissionTime: batch.submissionTime,
    ...(processingStartTime === undefined ? {} : { processingStartTime }),
    ...(processingEndTime === undefined ? {} : { processingEndTime }),
    ...(schedulingDelay === undefined ? {} : { schedulingDelay }),
    ...(processingDelay === undefined ? {} : { processingDelay }),
    ...(schedulingDelay === undefined || processingDelay === undefined ? {} : { totalDelay: schedulingDelay + processingDelay }),
    outputOperationInfos: progress.operations ?? [],
    metrics: metrics ?? NO_METRICS,
  };
};
