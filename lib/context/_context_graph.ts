/**
 * The graph port of one StreamingContext: what its streams see of it (the
 * {@link StreamingGraph} they are built on), and the registry of inputs, outputs and
 * names it keeps. The context hands this object to its streams instead of itself, so
 * the context's public face is only Spark's API.
 *
 * @module
 */
import type { Clock } from "../time/clock.ts";
import type { Duration, Time } from "../time/duration.ts";
import type { RDD } from "../rdd/rdd.ts";
import type { DStreamNode } from "../dstream/_node.ts";
import type { InputDStream } from "../dstream/_input.ts";
import type { Backlog, Logger, RateControl, RateSettings, StreamingGraph } from "../dstream/_graph.ts";
import type { ReceiverOptions } from "../sources/receiver.ts";
import { describeError, describeValue } from "../_describe.ts";
import type { ReceiverInfo, StreamingListener } from "./listener.ts";
import type { OutputOperation } from "./job_scheduler.ts";
import type { StreamingContextState } from "./streaming_context.ts";
import { RateController } from "./_rate_controller.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";

/** What the graph needs from the context that owns it. */
export interface GraphHost {
  readonly batchDuration: Duration;
  readonly clock: Clock;
  readonly defaultParallelism: number;
  readonly logger: Logger;
  readonly receiverDefaults: ReceiverOptions;
  state(): StreamingContextState;
  post(event: (listener: StreamingListener) => void): void;
  reportError(error: Error): void;
  addMetrics(streamName: string, time: Time, counts: Readonly<Record<string, number>>): void;
  /** Registers a listener of the library's own (a rate controller), as `addStreamingListener` does. */
  addListener(listener: StreamingListener): void;
  backlog(): Backlog;
  /** The checkpoint directory, once set. */
  checkpointDirectory(): string | undefined;
  /** When receivers' write-ahead logs fsync. */
  writeAheadLogFsync(): "block" | number;
}

export class ContextGraph implements StreamingGraph {
  readonly #host: GraphHost;
  #nextStreamId = 0;
  readonly inputs: InputDStream<unknown>[] = [];
  readonly outputs: OutputOperation[] = [];
  /** Every stateful node and input that takes part in checkpoints, in registration order. */
  readonly recoverables: Recoverable<unknown>[] = [];
  readonly #namedStreams = new Map<string, DStreamNode<unknown>>();

  constructor(host: GraphHost) {
    this.#host = host;
  }

  get batchDuration(): Duration {
    return this.#host.batchDuration;
  }

  get clock(): Clock {
    return this.#host.clock;
  }

  get defaultParallelism(): number {
    return this.#host.defaultParallelism;
  }

  get logger(): Logger {
    return this.#host.logger;
  }

  /** The receiver options every receiver stream starts from (the context's `receiverMaxRate`, …). */
  get receiverDefaults(): ReceiverOptions {
    return this.#host.receiverDefaults;
  }

  backlog(): Backlog {
    return this.#host.backlog();
  }

  assertBuildable(): void {
    const state = this.#host.state();
    if (state === "ACTIVE") {
      throw new Error(
        "Adding new inputs, transformations, and output operations after starting a context is not supported: build the whole pipeline before start()",
      );
    }
    if (state === "STOPPED") {
      throw new Error(
        "Adding new inputs, transformations, and output operations after stopping a context is not supported: create a new StreamingContext",
      );
    }
  }

  nextStreamId(): number {
    return this.#nextStreamId++;
  }

  claimStreamName(name: string, stream: DStreamNode<unknown>): void {
    const holder = this.#namedStreams.get(name);
    if (holder !== undefined && holder !== stream) {
      throw new Error(`Another stream of this context is already named ${JSON.stringify(name)}: give each stream its own name`);
    }
    this.#namedStreams.set(name, stream);
  }

  registerRecoverable(part: Recoverable<unknown>): void {
    this.assertBuildable();
    this.recoverables.push(part);
  }

  get checkpointing(): boolean {
    return this.#host.checkpointDirectory() !== undefined;
  }

  get checkpointDirectory(): string | undefined {
    return this.#host.checkpointDirectory();
  }

  get writeAheadLogFsync(): "block" | number {
    return this.#host.writeAheadLogFsync();
  }

  registerInput(stream: InputDStream<unknown>): void {
    this.assertBuildable();
    this.inputs.push(stream);
  }

  registerOutput<A>(stream: DStreamNode<A>, name: string, run: (rdd: RDD<A>, time: Time) => void | Promise<void>): void {
    this.assertBuildable();
    if (stream.context !== this) {
      throw new Error(`Cannot register ${name} on a stream of another StreamingContext`);
    }
    if (typeof run !== "function") {
      throw new TypeError(`${name} needs a function, got ${describeValue(run)}`);
    }
    this.outputs.push({
      id: this.outputs.length,
      name,
      stream: stream as DStreamNode<unknown>,
      run: run as (rdd: RDD<unknown>, time: Time) => void | Promise<void>,
    });
  }

  reportError(error: Error): void {
    this.#host.reportError(error);
  }

  reportReceiverError(stream: DStreamNode<unknown>, message: string, error?: unknown): void {
    this.logger.warn(`${stream.name}: ${message}${error === undefined ? "" : ` (${describeError(error)})`}`);
    const receiverInfo: ReceiverInfo = {
      streamId: stream.id,
      name: stream.name,
      active: this.#host.state() === "ACTIVE",
      lastErrorMessage: message,
      lastError: error === undefined ? "" : describeError(error),
      lastErrorTime: this.clock.now(),
    };
    this.#host.post((l) => l.onReceiverError?.({ receiverInfo }));
  }

  reportBatchMetrics(stream: DStreamNode<unknown>, time: Time, counts: Readonly<Record<string, number>>): void {
    this.#host.addMetrics(stream.name, time, counts);
  }

  /** Registers a listener of the library's own: it hears every batch and receiver event. */
  addInternalListener(listener: StreamingListener): void {
    this.#host.addListener(listener);
  }

  /**
   * Backpressure for `stream`: a rate controller (Spark's PID estimator with its defaults)
   * that listens to completed batches, or `undefined` when backpressure is off for it.
   * `settings` override the context's (`receiverDefaults`).
   */
  rateControl(stream: InputDStream<unknown>, settings: RateSettings = {}): RateControl | undefined {
    const defaults = this.#host.receiverDefaults;
    if ((settings.backpressure ?? defaults.backpressure ?? true) === false) return undefined;
    const controller = new RateController({
      streamId: stream.id,
      batchIntervalMs: this.batchDuration.milliseconds,
      minRate: settings.minRate ?? defaults.minRate,
      initialRate: settings.initialRate ?? defaults.initialRate,
      maxRate: settings.maxRate ?? defaults.maxRate,
    });
    this.addInternalListener(controller);
    return controller;
  }

  reportReceiverState(stream: DStreamNode<unknown>, active: boolean): void {
    const receiverInfo: ReceiverInfo = { streamId: stream.id, name: stream.name, active, lastErrorMessage: "", lastError: "", lastErrorTime: -1 };
    this.#host.post((l) => (active ? l.onReceiverStarted?.({ receiverInfo }) : l.onReceiverStopped?.({ receiverInfo })));
  }
}
