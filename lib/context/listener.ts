/**
 * Streaming listeners: what happened to each batch, output operation and receiver,
 * with Spark's callback names.
 *
 * @module
 */
import type { Time } from "../time/duration.ts";

/**
 * One output operation's run within a batch.
 *
 * @category listeners
 * @since 0.1.0
 */
export interface OutputOperationInfo {
  readonly batchTime: Time;
  /** The order in which the output was defined, from 0. */
  readonly id: number;
  /** `pprint`, `foreachRDD`, … */
  readonly name: string;
  readonly startTime?: number;
  readonly endTime?: number;
  /** Why the operation failed, when it did. */
  readonly failureReason?: string;
}

/**
 * One batch: when it was generated, started and finished, and how much it read.
 *
 * @category listeners
 * @since 0.1.0
 */
export interface BatchInfo {
  readonly batchTime: Time;
  /** Records each input stream (by id) gave this batch. */
  readonly streamIdToNumRecords: ReadonlyMap<number, number>;
  /** Total records the inputs gave this batch. */
  readonly numRecords: number;
  /** Clock time at which the batch was generated and queued. */
  readonly submissionTime: number;
  readonly processingStartTime?: number;
  readonly processingEndTime?: number;
  /** How long the batch waited for earlier ones: processing start − submission. */
  readonly schedulingDelay?: number;
  /** How long its outputs ran: processing end − processing start. */
  readonly processingDelay?: number;
  /** Scheduling delay plus processing delay. */
  readonly totalDelay?: number;
  readonly outputOperationInfos: ReadonlyArray<OutputOperationInfo>;
  /**
   * Counts that streams reported for this batch, by stream name: e.g. a `decode` node's
   * `{ received, valid, rejected }`.
   */
  readonly metrics: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

/**
 * A receiver's state, as listeners see it.
 *
 * @category listeners
 * @since 0.1.0
 */
export interface ReceiverInfo {
  readonly streamId: number;
  readonly name: string;
  readonly active: boolean;
  readonly lastErrorMessage: string;
  readonly lastError: string;
  readonly lastErrorTime: number;
}

/**
 * Callbacks for streaming events, all optional. A listener that throws is logged
 * and does not disturb the job.
 *
 * @category listeners
 * @since 0.1.0
 */
export interface StreamingListener {
  onStreamingStarted?(event: { readonly time: number }): void;
  onBatchSubmitted?(event: { readonly batchInfo: BatchInfo }): void;
  onBatchStarted?(event: { readonly batchInfo: BatchInfo }): void;
  onBatchCompleted?(event: { readonly batchInfo: BatchInfo }): void;
  onOutputOperationStarted?(event: { readonly outputOperationInfo: OutputOperationInfo }): void;
  onOutputOperationCompleted?(event: { readonly outputOperationInfo: OutputOperationInfo }): void;
  onReceiverStarted?(event: { readonly receiverInfo: ReceiverInfo }): void;
  onReceiverError?(event: { readonly receiverInfo: ReceiverInfo }): void;
  onReceiverStopped?(event: { readonly receiverInfo: ReceiverInfo }): void;
}
