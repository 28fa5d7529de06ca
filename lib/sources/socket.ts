/**
 * `socketTextStream`: a receiver that reads UTF-8 lines from a TCP server and
 * reconnects with back-off when the server is down or closes the connection
 * (Spark's `SocketReceiver`). When its buffer is full it pauses the socket, so TCP
 * flow control slows the sender down, and resumes once a batch has taken records.
 *
 * @module
 */
import { createConnection, isIP, type Socket } from "node:net";
import { Duration } from "../time/duration.ts";
import type { StreamingGraph } from "../dstream/_graph.ts";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "./line_splitter.ts";
import { Receiver, type ReceiverDStream, type ReceiverOptions } from "./receiver.ts";
import { logInfo, reportToContext, restartQuietly, storePacked } from "./_supervisor.ts";
import { ReceiverInputDStream } from "./_receiver_stream.ts";

/**
 * Options for `socketTextStream`: the receiver options (`maxRate`,
 * `maxBufferedRecords`) and the reconnection back-off.
 *
 * @category inputs
 * @since 0.1.0
 */
export interface SocketTextStreamOptions extends ReceiverOptions {
  /** The first wait before reconnecting (default 100 ms); it doubles on each failure. */
  readonly minRestartDelay?: Duration;
  /** The longest wait before reconnecting (default 2 s, Spark's `receiverRestartDelay`). */
  readonly maxRestartDelay?: Duration;
  /**
   * The longest line kept whole, in bytes (default 64 MiB): a longer one is delivered in
   * pieces of this size and reported, so an endless line cannot fill memory.
   */
  readonly maxLineBytes?: number;
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
 * The receiver behind `socketTextStream`: connects in `onStart`, stores each line,
 * and restarts itself (reconnects) with a doubling back-off when the connection
 * fails or ends. A line or a multi-byte character split across TCP reads arrives
 * whole; invalid UTF-8 is decoded with U+FFFD and reported; a final line without a
 * terminator is delivered when the connection ends.
 *
 * @category spi
 * @since 0.1.0
 */
export class SocketReceiver extends Receiver<string> {
  readonly hostname: string;
  readonly port: number;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  readonly #maxLineBytes: number;
  #delay: number;
  #socket: Socket | undefined;
  #closed: Promise<void> = Promise.resolve();
  #reportedUnknownHost = false;
  #invalidUtf8Bytes = 0;

  constructor(
    hostname: string,
    port: number,
    options: Pick<SocketTextStreamOptions, "minRestartDelay" | "maxRestartDelay" | "maxLineBytes"> = {},
  ) {
    super();
    this.hostname = checkHostname(hostname);
    this.port = checkPort(port);
    this.#minDelay = checkDelay(options?.minRestartDelay, "minRestartDelay", 100);
    this.#maxDelay = Math.max(this.#minDelay, checkDelay(options?.maxRestartDelay, "maxRestartDelay", 2000));
    this.#delay = this.#minDelay;
    const maxLineBytes = options?.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 4) {
      throw new RangeError(`socketTextStream's maxLineBytes must be a whole number of bytes, at least 4, got ${String(maxLineBytes)}`);
    }
    this.#maxLineBytes = maxLineBytes;
  }

  /** The bytes of invalid UTF-8 received so far, over every connection (decoded with U+FFFD). */
  get invalidUtf8Bytes(): number {
    return this.#invalidUtf8Bytes;
  }

  /** `host:port`, with brackets around an IPv6 address. */
  get address(): string {
    return `${this.hostname.includes(":") ? `[${this.hostname}]` : this.hostname}:${this.port}`;
  }

  onStart(): void {
    const socket = createConnection({ host: this.hostname, port: this.port });
    this.#socket = socket;
    // Invalid UTF-8 is reported once per connection (a stream of garbage would otherwise
    // report every read); the count runs on, and the total is reported when it closes.
    let invalidLines = 0;
    let invalidBytes = 0;
    const splitter = new LineSplitter(
      (bytes) => {
        invalidLines++;
        invalidBytes += bytes;
        this.#invalidUtf8Bytes += bytes;
        if (invalidLines > 1) return;
        this.reportError(
          `Received ${bytes} bytes of lines that are not valid UTF-8 from ${this.address}; they were decoded with U+FFFD replacement characters. Further invalid bytes on this connection are counted (invalidUtf8Bytes) and reported once it closes`,
        );
      },
      (maxLineBytes) =>
        this.reportError(
          `A line from ${this.address} is longer than ${maxLineBytes} bytes (maxLineBytes); it is delivered in pieces of at most that size`,
        ),
      this.#maxLineBytes,
    );
    let failure: unknown;
    let connected = false;
    this.#closed = new Promise((resolve) => {
      socket.on("close", () => {
        const tail = splitter.end();
        if (tail.length > 0) void this.store(tail);
        if (invalidLines > 1) {
          this.reportError(
            `The connection to ${this.address} carried ${invalidBytes} bytes of invalid UTF-8 in ${invalidLines} pieces of text in all; they were decoded with U+FFFD replacement characters`,
          );
        }
        if (this.#socket === socket) this.#socket = undefined;
        resolve();
        // Closed by onStop (a stop or restart), or by the peer or an error: then reconnect.
        if (this.isStarted()) this.#reconnect(connected, failure);
      });
    });
    socket.on("connect", () => {
      connected = true;
      this.#delay = this.#minDelay;
      logInfo(this, `connected to ${this.address}`);
    });
    socket.on("data", (chunk: Uint8Array) => {
      // A read's lines wait for their batch as one text (a LineBlock), split when it runs.
      const { block, lines } = splitter.pushBlock(chunk);
      let room = true;
      if (block !== undefined) room = storePacked(this, block);
      if (lines.length > 0) room = this.storeRecords(lines);
      if (!room) {
        // Back-pressure: stop reading until a batch has taken records.
        socket.pause();
        void this.waitForSpace().then(() => {
          if (!socket.destroyed) socket.resume();
        });
      }
    });
    socket.on("error", (error) => {
      failure = error;
    });
  }

  onStop(): Promise<void> {
    this.#socket?.destroy();
    return this.#closed;
  }

  #reconnect(wasConnected: boolean, failure: unknown): void {
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.#maxDelay);
    const code = errorCode(failure);
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
      const message =
        `Unknown host ${JSON.stringify(this.hostname)} given as socketTextStream's hostname: it does not resolve (${code}); check the name. Retrying in ${delay} ms`;
      this.reportError(message, failure);
      if (!this.#reportedUnknownHost) {
        this.#reportedUnknownHost = true;
        reportToContext(this, new Error(message, { cause: failure }));
      }
    } else if (wasConnected) {
      const reason = failure === undefined ? "Socket data stream had no more data" : "Error receiving data";
      this.reportError(`${reason} from ${this.address}; reconnecting in ${delay} ms`, failure);
    } else {
      this.reportError(`Error connecting to ${this.address}; retrying in ${delay} ms`, failure);
    }
    restartQuietly(this, delay);
  }
}

/**
 * The stream `ssc.socketTextStream(hostname, port)` returns.
 *
 * @category inputs
 * @since 0.2.0
 */
export interface SocketTextDStream extends ReceiverDStream<string> {
  readonly hostname: string;
  readonly port: number;
}

/** The stream of a {@link SocketReceiver}. */
export class SocketTextInputDStream extends ReceiverInputDStream<string> implements SocketTextDStream {
  readonly hostname: string;
  readonly port: number;

  constructor(context: StreamingGraph, hostname: string, port: number, options: SocketTextStreamOptions = {}) {
    const receiver = new SocketReceiver(hostname, port, options);
    const { minRestartDelay: _min, maxRestartDelay: _max, ...receiverOptions } = options ?? {};
    super(context, receiver, receiverOptions, "socketTextStream");
    this.hostname = receiver.hostname;
    this.port = receiver.port;
  }

  override get sourceIdentity(): string {
    return `${this.hostname}:${this.port}`;
  }
}
