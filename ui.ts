/**
 * dstreams/ui: watch a running job. {@link startUI} serves Spark's Streaming tab as a live
 * web page (input rate and delays as timelines and histograms, active and completed
 * batches, a page per batch, receivers, inputs, the lineage of the job's DStreams and
 * the dead letters of each decoder), `/metrics` for Prometheus, Spark's streaming REST
 * API as JSON, and a status line on the terminal. The core (`dstreams`) starts no server.
 *
 * @example
 * ```ts
 * import { count, ManualClock, pipe, pprint, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import { startUI } from "@dstreams/dstreams/ui";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext({ appName: "Doc" }), Seconds(1), { clock });
 * pipe(ssc.queueStream([["a", "b"]]), count(), pprint(10, { print: () => {} }));
 * const ui = await startUI(ssc, { port: 0, statusLine: false });
 * ssc.start();
 * await clock.advance(Seconds(1));
 * const stats = await (await fetch(`${ui.url}api/v1/applications/Doc/streaming/statistics`)).json();
 * assert.equal(stats.numTotalCompletedBatches, 1);
 * assert.equal(stats.numProcessedRecords, 2);
 * await ssc.stop();
 * await ui.close();
 * ```
 *
 * @module
 */
import process from "node:process";
import type { StreamingContext } from "./lib/context/streaming_context.ts";
import { graphOf } from "./lib/context/streaming_context.ts";
import { listenerBusOf } from "./lib/context/_listener_bus.ts";
import { UIStore } from "./lib/ui/_store.ts";
import { isLoopback, UIServer } from "./lib/ui/_server.ts";
import { StatusLine, type Terminal } from "./lib/ui/_status_line.ts";
import { describeValue } from "./lib/_describe.ts";

/**
 * Options for {@link startUI}.
 *
 * @category ui
 * @since 0.2.0
 */
export interface UIOptions {
  /** The port (default 4040, Spark's). When it is taken, the next 16 are tried; 0 picks a free one. */
  readonly port?: number;
  /** The address to bind (default `127.0.0.1`). Any other address is warned about: the page is not protected. */
  readonly host?: string;
  /** How many completed batches the page keeps (default 1000, Spark's `spark.streaming.ui.retainedBatches`). */
  readonly retainedBatches?: number;
  /** Shows a button that stops the job (default `false`, Spark's `spark.ui.killEnabled`). */
  readonly killEnabled?: boolean;
  /** Draws a status line on the terminal (default: when standard output and error are terminals). */
  readonly statusLine?: boolean;
  /** How many listener events may wait for the UI before they are dropped (default 10000). */
  readonly eventQueueCapacity?: number;
  /** How often, at most, the page gets new figures, in milliseconds (default 250). */
  readonly pushIntervalMs?: number;
}

/**
 * A running UI.
 *
 * @category ui
 * @since 0.2.0
 */
export interface UIHandle {
  /** The page's address, e.g. `http://127.0.0.1:4040/`. */
  readonly url: string;
  readonly port: number;
  /** The application id the REST API answers to (`/api/v1/applications/<id>/streaming/…`); the app name works too. */
  readonly appId: string;
  /** Listener events dropped because the UI's queue was full. */
  readonly droppedEvents: number;
  /** Stops serving, closes open pages and the status line, and stops listening to the job. */
  close(): Promise<void>;
}

const checkPositive = (value: unknown, what: string, example: string): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`startUI's ${what} must be a positive whole number, got ${describeValue(value)}: e.g. ${example}`);
  }
  return value;
};

/**
 * Serves the Streaming page of `ssc` and returns its address. Call it before or after
 * `ssc.start()`; it watches batches from then on.
 *
 * @category ui
 * @since 0.2.0
 */
export const startUI = async (ssc: StreamingContext, options: UIOptions = {}): Promise<UIHandle> => {
  graphOf(ssc); // throws a clear error for anything but a StreamingContext
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4040;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`startUI's port must be a whole number from 0 to 65535, got ${describeValue(port)}: e.g. 4040, or 0 for any free port`);
  }
  const retainedBatches = checkPositive(options.retainedBatches ?? 1000, "retainedBatches", "1000");
  const capacity = checkPositive(options.eventQueueCapacity ?? 10_000, "eventQueueCapacity", "10000");
  const pushIntervalMs = checkPositive(options.pushIntervalMs ?? 250, "pushIntervalMs", "250");
  const killEnabled = options.killEnabled ?? false;
  const logger = ssc.sparkContext.logger;
  const appName = ssc.sparkContext.appName;
  const appId = `local-${Date.now()}`;

  const store = new UIStore(ssc, { retainedBatches });
  const bus = listenerBusOf(ssc);
  bus.add(store, { capacity });
  const droppedEvents = () => bus.status(store)?.dropped ?? 0;
  const server = new UIServer({
    store,
    appName,
    appId,
    killEnabled,
    droppedEvents,
    pushIntervalMs,
    stop: () => {
      logger.warn("Stopping the job: asked from the UI");
      void ssc.stop({ stopGracefully: true });
    },
  });
  let address;
  try {
    address = await server.listen(host, port);
  } catch (error) {
    bus.remove(store);
    throw error;
  }
  if (!isLoopback(host)) {
    logger.warn(
      `The UI is bound to ${host}, not to loopback: anyone who can reach this address sees the job's names, records counts and errors${
        killEnabled ? ", and can stop it" : ""
      }. Bind it to 127.0.0.1 unless that is what you want`,
    );
  }
  if (address.port !== port && port !== 0) logger.info(`Port ${port} is taken: the UI serves on port ${address.port}`);
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;

  const useStatusLine = options.statusLine ?? (process.stdout.isTTY === true && process.stderr.isTTY === true);
  const statusLine = useStatusLine ? new StatusLine(store, { stdout: process.stdout, stderr: process.stderr, console } as unknown as Terminal) : undefined;
  statusLine?.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    appId,
    get droppedEvents() {
      return droppedEvents();
    },
    close: () =>
      closing ??= (async () => {
        statusLine?.stop();
        bus.remove(store);
        await server.close();
      })(),
  };
};
