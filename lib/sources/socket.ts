/**
 * `socketTextStream`: a receiver that reads UTF-8 lines from a TCP server and
 * reconnects with back-off when the server is down or closes the connection.
 *
 * @module
 */
import { createConnection, isIP, type Socket } from "node:net";
import { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import { Duration } from "../time/duration.ts";
import { InputDStream } from "../dstream/input.ts";
import type { StreamingGraph } from "../dstream/graph.ts";
import { LineSplitter } from "./line_splitter.ts";

/**
 * Options for `socketTextStream`.
 *
 * @category inputs
 * @since 0.1.0
 */
export interface SocketTextStreamOptions {
  /** The first wait before reconnecting (default 100 ms); it doubles on each failure. */
  readonly minRestartDelay?: Duration;
  /** The longest wait before reconnecting (default 2 s, Spark's `receiverRestartDelay`). */
  readonly maxRestartDelay?: Duration;
}

// RFC 1123 host names: letters, digits and hyphens in dot-separated labels.
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

const checkHostname = (hostname: unknown): string => {
  if (typeof hostname !== "string" || hostname.length === 0) {
    throw new TypeError(`socketTextStream's hostname must be a non-empty string such as "localhost", got ${JSON.stringify(hostname) ?? typeof hostname}`);
  }
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  if (isIP(bare) === 0 && !HOSTNAME.test(hostname)) {
    throw new TypeError(
      `socketTextStream's hostname ${JSON.stringify(hostname)} is not a host name or IP address: give e.g. "localhost" or "127.0.0.1"`,
    );
  }
  return bare;
};

const checkPort = (port: unknown): number => {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`socketTextStream's port must be a whole number from 1 to 65535, got ${JSON.stringify(port) ?? typeof port}`);
  }
  return port;
};

const checkDelay = (delay: unknown, name: string, fallback: number): number => {
  if (delay === undefined) return fallback;
  if (!(delay instanceof Duration) || delay.milliseconds < 0) {
    throw new TypeError(`socketTextStream's ${name} must be a non-negative Duration such as Milliseconds(100)`);
  }
  return delay.milliseconds;
};

const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;

/**
 * The receiver behind `socketTextStream`.
 *
 * @category inputs
 * @since 0.1.0
 */
export class SocketTextInputDStream extends InputDStream<string> {
  readonly hostname: string;
  readonly port: number;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  #delay: number;
  #buffer: string[] = [];
  #socket: Socket | undefined;
  #closed: Promise<void> = Promise.resolve();
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #reportedUnknownHost = false;

  constructor(context: StreamingGraph, hostname: string, port: number, options: SocketTextStreamOptions) {
    const host = checkHostname(hostname);
    const checkedPort = checkPort(port);
    const minDelay = checkDelay(options?.minRestartDelay, "minRestartDelay", 100);
    const maxDelay = checkDelay(options?.maxRestartDelay, "maxRestartDelay", 2000);
    super(context, "socketTextStream");
    this.hostname = host;
    this.port = checkedPort;
    this.#minDelay = minDelay;
    this.#maxDelay = Math.max(minDelay, maxDelay);
    this.#delay = minDelay;
  }

  get #address(): string {
    return `${this.hostname.includes(":") ? `[${this.hostname}]` : this.hostname}:${this.port}`;
  }

  override start(): void {
    this.#running = true;
    this.#connect();
  }

  #connect(): void {
    const socket = createConnection({ host: this.hostname, port: this.port });
    this.#socket = socket;
    const splitter = new LineSplitter((bytes) =>
      this.context.reportReceiverError(
        this,
        `Received ${bytes} bytes of lines that are not valid UTF-8 from ${this.#address}; they were decoded with U+FFFD replacement characters`,
      )
    );
    let failure: unknown;
    let connected = false;
    this.#closed = new Promise((resolve) => {
      socket.on("close", () => {
        for (const line of splitter.end()) this.#buffer.push(line);
        if (this.#socket === socket) this.#socket = undefined;
        resolve();
        if (this.#running) this.#scheduleReconnect(connected, failure);
      });
    });
    socket.on("connect", () => {
      connected = true;
      this.#delay = this.#minDelay;
      this.context.logger.info(`${this.name}: connected to ${this.#address}`);
    });
    socket.on("data", (chunk: Uint8Array) => {
      const lines = splitter.push(chunk);
      for (let i = 0; i < lines.length; i++) this.#buffer.push(lines[i]!);
    });
    socket.on("error", (error) => {
      failure = error;
    });
  }

  #scheduleReconnect(wasConnected: boolean, failure: unknown): void {
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.#maxDelay);
    const code = errorCode(failure);
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
      const message = `Unknown host ${JSON.stringify(this.hostname)} given as socketTextStream's hostname: it does not resolve (${code}); check the name. Retrying in ${delay} ms`;
      this.context.reportReceiverError(this, message, failure);
      if (!this.#reportedUnknownHost) {
        this.#reportedUnknownHost = true;
        this.context.reportError(new Error(message, { cause: failure }));
      }
    } else if (wasConnected) {
      const reason = failure === undefined ? "Socket data stream had no more data" : "Error receiving data";
      this.context.reportReceiverError(this, `${reason} from ${this.#address}; reconnecting in ${delay} ms`, failure);
    } else {
      this.context.reportReceiverError(this, `Error connecting to ${this.#address}; retrying in ${delay} ms`, failure);
    }
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#running) this.#connect();
    }, delay);
  }

  override async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#reconnectTimer);
    this.#socket?.destroy();
    await this.#closed;
  }

  override hasPendingRecords(): boolean {
    return this.#buffer.length > 0;
  }

  protected override take(_time: Time): { readonly rdd: RDD<string>; readonly count: number } {
    const records = this.#buffer;
    this.#buffer = [];
    return { rdd: RDD.fromArray(records), count: records.length };
  }
}
