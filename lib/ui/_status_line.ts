/**
 * A one-line status on the terminal (batch, rate, delays, last error), drawn on standard
 * error with a carriage return and a clear-line escape. Every other write to the
 * terminal (through `process.stdout`, `process.stderr` or `console`) first clears the
 * line and has it drawn again after, so `pprint`'s blocks are never mixed with it.
 *
 * @module
 */
import type { UIStore } from "./_store.ts";
import { formatBatchTime, formatDuration } from "./_html.ts";

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;

/** A stream as the status line uses it (a `process.stdout`, or a test's fake). */
export interface TerminalStream {
  write: Write;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The console methods that print. */
const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug"] as const;

export type ConsoleLike = Record<(typeof CONSOLE_METHODS)[number], (...data: unknown[]) => void>;

export interface Terminal {
  readonly stdout: TerminalStream;
  readonly stderr: TerminalStream;
  readonly console: ConsoleLike;
}

const CLEAR_LINE = "\r\x1b[2K";

/** The status text: `batch 12:00:05 | 5 records/s | scheduling 0 ms | processing 3 ms | total 3 ms | last error: …`. */
export const statusText = (store: UIStore): string => {
  const last = store.completed.at(-1);
  const parts = [`${store.ssc.sparkContext.appName}`, `${store.totalCompletedBatches} batches`];
  if (last !== undefined) {
    parts.push(
      `last ${formatBatchTime(last.batchTime).slice(11)}`,
      `${Math.round((last.numRecords * 1000) / store.batchDuration * 10) / 10} records/s`,
      `scheduling ${formatDuration(last.schedulingDelay)}`,
      `processing ${formatDuration(last.processingDelay)}`,
      `total ${formatDuration(last.totalDelay)}`,
    );
  }
  if (store.active.size > 1) parts.push(`${store.active.size} waiting`);
  if (store.lastError !== undefined) parts.push(`last error: ${store.lastError.message.replace(/\s+/g, " ")}`);
  return parts.join(" | ");
};

export class StatusLine {
  readonly #store: UIStore;
  readonly #terminal: Terminal;
  readonly #writeOut: Write;
  readonly #writeErr: Write;
  readonly #console: Partial<ConsoleLike> = {};
  #drawn = false;
  #atLineStart = true;
  #redraw: ReturnType<typeof setTimeout> | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(store: UIStore, terminal: Terminal) {
    this.#store = store;
    this.#terminal = terminal;
    this.#writeOut = terminal.stdout.write;
    this.#writeErr = terminal.stderr.write;
  }

  start(): void {
    const { stdout, stderr, console } = this.#terminal;
    const self = this;
    stdout.write = function (chunk: unknown, ...rest: unknown[]): boolean {
      return self.#around(() => self.#writeOut.call(stdout, chunk, ...rest), chunk);
    };
    stderr.write = function (chunk: unknown, ...rest: unknown[]): boolean {
      return self.#around(() => self.#writeErr.call(stderr, chunk, ...rest), chunk);
    };
    for (const method of CONSOLE_METHODS) {
      const original = console[method];
      this.#console[method] = original;
      console[method] = (...data: unknown[]) => self.#around(() => original.apply(console, data), "\n");
    }
    this.#unsubscribe = this.#store.onChange(() => this.#schedule());
    this.#schedule();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe?.();
    clearTimeout(this.#redraw);
    this.#clear();
    const { stdout, stderr, console } = this.#terminal;
    stdout.write = this.#writeOut;
    stderr.write = this.#writeErr;
    for (const method of CONSOLE_METHODS) {
      const original = this.#console[method];
      if (original !== undefined) console[method] = original;
    }
  }

  /** Clears the status, runs the write, and draws the status again once a line is complete. */
  #around<T>(write: () => T, chunk: unknown): T {
    this.#clear();
    const result = write();
    const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? (chunk.length === 0 ? "" : String.fromCharCode(chunk[chunk.length - 1] as number)) : "";
    if (text.length > 0) this.#atLineStart = text.endsWith("\n");
    this.#schedule();
    return result;
  }

  #clear(): void {
    if (!this.#drawn) return;
    this.#drawn = false;
    this.#writeErr.call(this.#terminal.stderr, CLEAR_LINE);
  }

  #schedule(): void {
    if (this.#redraw !== undefined || this.#stopped) return;
    this.#redraw = setTimeout(() => {
      this.#redraw = undefined;
      this.#draw();
    }, 50);
    (this.#redraw as { unref?: () => void }).unref?.();
  }

  #draw(): void {
    if (this.#stopped || !this.#atLineStart) return;
    const columns = this.#terminal.stderr.columns;
    const width = Math.max(20, (columns !== undefined && columns > 0 ? columns : 80) - 1);
    let text = statusText(this.#store);
    // A line longer than the terminal would wrap, and the next clear would leave its start behind.
    if (text.length > width) text = `${text.slice(0, width - 1)}…`;
    this.#writeErr.call(this.#terminal.stderr, `${CLEAR_LINE}${text}`);
    this.#drawn = true;
  }
}
