/**
 * A built-in text feeder: a TCP server on loopback that sends lines to whoever
 * connects, like `nc -lk`, so demos and tests need no netcat.
 *
 * @module
 */
import { createServer, type Socket } from "node:net";

/**
 * Options for {@link startTextFeeder}.
 *
 * @category inputs
 * @since 0.1.0
 */
export interface TextFeederOptions {
  /** The lines to send, in order, starting over at the end (default: a short built-in text). */
  readonly lines?: ReadonlyArray<string>;
  /** How many lines to send per second to each client (default 10). */
  readonly linesPerSecond?: number;
  /** The port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** The address to listen on (default `127.0.0.1`). */
  readonly host?: string;
}

/**
 * A running feeder.
 *
 * @category inputs
 * @since 0.1.0
 */
export interface TextFeeder {
  readonly host: string;
  readonly port: number;
  /** Closes the server and every connection. */
  close(): Promise<void>;
}

const DEFAULT_LINES: ReadonlyArray<string> = [
  "the quick brown fox jumps over the lazy dog",
  "to be or not to be that is the question",
  "a stream is a sequence of batches and a batch is a sequence of records",
  "the dog sleeps and the fox runs",
  "spark streaming counts the words of every batch",
];

/**
 * Starts a TCP server that sends `lines` to every client, `linesPerSecond` at a time.
 *
 * @category inputs
 * @since 0.1.0
 */
export const startTextFeeder = (options: TextFeederOptions = {}): Promise<TextFeeder> => {
  const { lines = DEFAULT_LINES, linesPerSecond = 10, port = 0, host = "127.0.0.1" } = options;
  if (!Array.isArray(lines) || lines.length === 0 || lines.some((line) => typeof line !== "string" || /[\r\n]/.test(line))) {
    throw new TypeError("startTextFeeder's lines must be a non-empty array of strings without line breaks");
  }
  if (typeof linesPerSecond !== "number" || !(linesPerSecond > 0)) {
    throw new RangeError(`startTextFeeder's linesPerSecond must be a positive number, got ${String(linesPerSecond)}`);
  }
  const clients = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setInterval>>();
  const server = createServer((socket) => {
    clients.add(socket);
    let next = 0;
    // Send in ticks of at most 20 per second, several lines per tick at high rates.
    const ticksPerSecond = Math.min(20, linesPerSecond);
    const perTick = linesPerSecond / ticksPerSecond;
    let owed = 0;
    const timer = setInterval(() => {
      owed += perTick;
      let chunk = "";
      for (; owed >= 1; owed--) chunk += lines[next++ % lines.length] + "\n";
      if (chunk !== "" && socket.writable) socket.write(chunk);
    }, 1000 / ticksPerSecond);
    timers.add(timer);
    const forget = () => {
      clearInterval(timer);
      timers.delete(timer);
      clients.delete(socket);
    };
    socket.on("close", forget);
    socket.on("error", forget);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      const boundPort = typeof address === "object" && address !== null ? address.port : port;
      resolve({
        host,
        port: boundPort,
        close: () =>
          new Promise<void>((done) => {
            for (const timer of timers) clearInterval(timer);
            for (const client of clients) client.destroy();
            server.close(() => done());
          }),
      });
    });
  });
};
