/**
 * How a {@link Receiver} reaches the stream it runs in (the receiver supervisor, in
 * Spark's terms): each receiver's supervisor, and the few calls the library's own
 * receivers make on it.
 *
 * @module
 */
import type { StreamingGraph } from "../dstream/_graph.ts";
import type { Receiver } from "./receiver.ts";
import type { PackedRecords } from "./_packed_partitions.ts";

/** What a receiver can ask of the stream it runs in (the supervisor, in Spark's terms). */
export interface Supervisor<T> {
  readonly streamId: number;
  readonly streamName: string;
  readonly context: StreamingGraph;
  storeOne(record: T): boolean;
  storeMany(records: Iterable<T>): boolean;
  /** Stores records kept packed until a batch reads them (see `storePacked` below). */
  storePacked(records: PackedRecords<T>): boolean;
  isBufferFull(): boolean;
  waitForSpace(): Promise<void>;
  reportError(message: string, error: unknown): void;
  restart(message: string, error: unknown, delayMs: number | undefined, report: boolean): void;
  stopByReceiver(message: string, error: unknown): void;
  /** Calls `tick` every `periodMs` on the context's clock until the receiver stops; a failure restarts it. */
  every(periodMs: number, tick: () => void | Promise<void>): void;
  /** Runs `task` until the receiver stops (its signal aborts); a failure restarts it. */
  run(task: (signal: AbortSignal) => void | Promise<void>): void;
  /** Waits on the context's clock: `false` if the receiver stops first. */
  sleep(ms: number): Promise<boolean>;
  /**
   * `stopping`: `onStop` was called and has not finished (its promise is pending): the
   * receiver may still store what it was holding.
   */
  readonly receiverState: "initialized" | "started" | "stopping" | "stopped";
  /** Stopped by `ssc.stop()` or the receiver's own `stop`: it never starts again. */
  readonly stoppedForGood: boolean;
}

const supervisors = new WeakMap<Receiver<unknown>, Supervisor<unknown>>();

/** Ties `receiver` to the stream that supervises it. */
export const attachSupervisor = <T>(receiver: Receiver<T>, supervisor: Supervisor<T>): void => {
  supervisors.set(receiver as Receiver<unknown>, supervisor as Supervisor<unknown>);
};

/** The supervisor of `receiver`, once a stream took it. */
export const supervisorOf = <T>(receiver: Receiver<T>): Supervisor<T> | undefined =>
  supervisors.get(receiver as Receiver<unknown>) as Supervisor<T> | undefined;

/**
 * Reports an error that rejects `awaitTermination()` while the receiver keeps retrying
 * (a host name that does not resolve, for instance). For the library's own receivers.
 *
 */
export const reportToContext = (receiver: Receiver<unknown>, error: Error): void => {
  supervisorOf(receiver)?.context.reportError(error);
};

/**
 * Logs an informational line under the receiver's stream name. For the library's own receivers.
 *
 */
export const logInfo = (receiver: Receiver<unknown>, message: string): void => {
  const supervisor = supervisorOf(receiver);
  supervisor?.context.logger.info(`${supervisor.streamName}: ${message}`);
};

/**
 * Restarts a receiver after `delayMs` without reporting it: for receivers that report
 * their trouble in their own words first. For the library's own receivers.
 *
 */
export const restartQuietly = (receiver: Receiver<unknown>, delayMs: number): void => {
  supervisorOf(receiver)?.restart("", undefined, delayMs, false);
};


/**
 * Stores records kept packed until a batch reads them, as `storeRecords` stores an array
 * (the same checks, the same answer: `false` once the buffer is full). For the library's
 * own receivers.
 */
export const storePacked = <T>(receiver: Receiver<T>, records: PackedRecords<T>): boolean => {
  const supervisor = supervisorOf(receiver);
  // Not started, or stopped for good: storeRecords throws the error that explains it.
  if (supervisor === undefined || supervisor.receiverState === "initialized" || (supervisor.stoppedForGood && supervisor.receiverState === "stopped")) {
    return receiver.storeRecords(records.records());
  }
  return supervisor.storePacked(records);
};
