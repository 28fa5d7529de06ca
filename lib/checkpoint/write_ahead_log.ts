/**
 * The write-ahead log: a receiver's blocks of records, durable before they count as
 * received, replayed after a crash. Segments in a directory, rolled by size.
 *
 * On disk: `wal-<position>.log` files, named by the log position (a byte offset over the
 * whole log) of their first block. A block is `[u32 body length][u32 crc32 of body]` then
 * the body: `[u32 record count]` and each record as `[u32 length][bytes]`.
 *
 * Damage: a torn tail (the last block of the newest segment cut short or unwritten, as a
 * crash in mid-append leaves it) is skipped with a warning and cut off when the log is
 * opened: that block was never acknowledged. A damaged block with blocks after it is
 * corruption of acknowledged data: replay throws a `WalCorruptError` naming the file and
 * offset, unless the log is opened with `onCorruptBlock: "skip-segment"` (the rest of that
 * segment is skipped, with a warning).
 *
 * @module
 */
import { mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "./_crc32.ts";
import { stderrWarnings, syncDirectory } from "./_fs.ts";
import { WalCorruptError } from "./errors.ts";
import type { WarningLogger } from "./store.ts";

/**
 * Options of `openWriteAheadLog`.
 *
 * @category model
 * @since 0.2.0
 */
export interface WriteAheadLogOptions {
  /** `"block"` (default): each append is fsynced before it resolves (concurrent appends share one fsync); a number N: fsync every N ms, and appends resolve at the fsync that covers them. */
  readonly fsync?: "block" | number;
  /** A segment is closed and a new one begun once it holds this many bytes: 16 MiB by default. */
  readonly segmentBytes?: number;
  /** What replay does with a damaged block that is not the torn tail: `"fail"` (default) or `"skip-segment"`. */
  readonly onCorruptBlock?: "fail" | "skip-segment";
  /** Where warnings go: standard error by default. */
  readonly logger?: WarningLogger;
}

/**
 * One logged block as replay yields it.
 *
 * @category model
 * @since 0.2.0
 */
export interface LoggedBlock {
  /** Where the block starts: what `append` resolved to. */
  readonly position: number;
  /** Where the next block starts. */
  readonly next: number;
  readonly records: ReadonlyArray<Uint8Array>;
}

/**
 * An open write-ahead log.
 *
 * @category model
 * @since 0.2.0
 */
export interface WriteAheadLog {
  /** Logs one block of records; resolves to its position once it is durable (per the fsync policy). */
  append(records: ReadonlyArray<Uint8Array>): Promise<number>;
  /** The logged blocks at or after `from` (0: all), in order. */
  replay(from?: number): AsyncIterable<LoggedBlock>;
  /** Removes whole segments all of whose blocks lie before `position`; resolves to how many. */
  deleteBefore(position: number): Promise<number>;
  /** The position the next block will get. */
  readonly end: number;
  /** Finishes pending appends, fsyncs and closes the file. */
  close(): Promise<void>;
}

const HEADER_BYTES = 8;
const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
const SEGMENT = /^wal-(\d{16})\.log$/;
const segmentName = (start: number): string => `wal-${String(start).padStart(16, "0")}.log`;

/**
 * Opens (or creates) the write-ahead log in `directory`, cutting off a torn tail left by a
 * crash.
 *
 * @example
 * (Not run as a doc test: it needs file-system permissions; tests/checkpoint_store.test.ts and
 * tests/wal_log.test.ts run the same steps.)
 * ```ts ignore
 * import { openWriteAheadLog } from "./write_ahead_log.ts";
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert";
 *
 * const directory = await mkdtemp(join(tmpdir(), "wal-"));
 * const log = await openWriteAheadLog(directory);
 * await log.append([new TextEncoder().encode("a"), new TextEncoder().encode("b")]);
 * await log.close();
 * const reopened = await openWriteAheadLog(directory);
 * const blocks = [];
 * for await (const block of reopened.replay()) blocks.push(block.records.map((r) => new TextDecoder().decode(r)));
 * assert.deepStrictEqual(blocks, [["a", "b"]]);
 * await reopened.close();
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const openWriteAheadLog = async (directory: string, options: WriteAheadLogOptions = {}): Promise<WriteAheadLog> => {
  const fsync = options.fsync ?? "block";
  if (fsync !== "block" && (!Number.isSafeInteger(fsync) || fsync < 1)) {
    throw new RangeError(`fsync is "block" or a whole number of milliseconds ≥ 1, got ${String(fsync)}`);
  }
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) {
    throw new RangeError(`segmentBytes is a whole number ≥ 1, got ${String(segmentBytes)} (16 MiB by default)`);
  }
  await mkdir(directory, { recursive: true });
  const log = new DirectoryWriteAheadLog(directory, fsync, segmentBytes, options.onCorruptBlock ?? "fail", options.logger ?? stderrWarnings);
  await log.recover();
  return log;
};

interface Pending {
  readonly bytes: Uint8Array;
  readonly resolve: (position: number) => void;
  readonly reject: (error: unknown) => void;
}

interface Scan {
  readonly blocks: ReadonlyArray<LoggedBlock>;
  /** The offset (in the file) where intact blocks end. */
  readonly validEnd: number;
  readonly problem?: { readonly offset: number; readonly reason: string; readonly torn: boolean };
}

class DirectoryWriteAheadLog implements WriteAheadLog {
  readonly #directory: string;
  readonly #fsync: "block" | number;
  readonly #segmentBytes: number;
  readonly #onCorrupt: "fail" | "skip-segment";
  readonly #logger: WarningLogger;
  #segments: number[] = [];
  #handle: FileHandle | undefined;
  #segmentStart = 0;
  #segmentSize = 0;
  #end = 0;
  #pending: Pending[] = [];
  #unsynced: Array<{ readonly position: number; readonly resolve: (position: number) => void; readonly reject: (error: unknown) => void }> = [];
  #writing: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(directory: string, fsync: "block" | number, segmentBytes: number, onCorrupt: "fail" | "skip-segment", logger: WarningLogger) {
    this.#directory = directory;
    this.#fsync = fsync;
    this.#segmentBytes = segmentBytes;
    this.#onCorrupt = onCorrupt;
    this.#logger = logger;
  }

  get end(): number {
    return this.#end;
  }

  async recover(): Promise<void> {
    this.#segments = await this.#listSegments();
    const last = this.#segments.at(-1);
    if (last === undefined) return;
    const file = join(this.#directory, segmentName(last));
    const bytes = await readFile(file);
    const scan = scanSegment(bytes, last);
    let size = bytes.length;
    if (scan.problem !== undefined) {
      if (scan.problem.torn) {
        this.#logger.warn(
          `Write-ahead log ${file}: a torn block at byte ${scan.problem.offset} (${scan.problem.reason}), left by a crash in mid-append, was never acknowledged; cut off`,
        );
        const handle = await open(file, "r+");
        await handle.truncate(scan.validEnd);
        await handle.sync();
        await handle.close();
        size = scan.validEnd;
      } else if (this.#onCorrupt === "fail") {
        throw new WalCorruptError(file, scan.problem.offset, scan.problem.reason);
      } else {
        // Leave the damaged segment for replay to skip; new blocks go to a fresh segment.
        this.#end = last + bytes.length;
        return;
      }
    }
    this.#segmentStart = last;
    this.#segmentSize = size;
    this.#end = last + size;
    this.#handle = await open(file, "a");
  }

  append(records: ReadonlyArray<Uint8Array>): Promise<number> {
    if (this.#closed) return Promise.reject(new Error("The write-ahead log is closed: open it again to append"));
    const bytes = encodeBlock(records);
    return new Promise((resolve, reject) => {
      this.#pending.push({ bytes, resolve, reject });
      this.#kick();
    });
  }

  async *replay(from = 0): AsyncIterable<LoggedBlock> {
    await this.#writing;
    const segments = this.#segments;
    for (const [index, start] of segments.entries()) {
      const nextStart = segments[index + 1] ?? Number.POSITIVE_INFINITY;
      if (nextStart <= from) continue;
      const file = join(this.#directory, segmentName(start));
      const scan = scanSegment(await readFile(file), start);
      for (const block of scan.blocks) if (block.position >= from) yield block;
      if (scan.problem !== undefined) {
        const isLast = index === segments.length - 1;
        if (scan.problem.torn && isLast) {
          this.#logger.warn(`Write-ahead log ${file}: skipping a torn block at byte ${scan.problem.offset} (${scan.problem.reason})`);
        } else if (this.#onCorrupt === "skip-segment") {
          this.#logger.warn(
            `Write-ahead log ${file}: damaged at byte ${scan.problem.offset} (${scan.problem.reason}); the rest of this segment is skipped and its records are lost`,
          );
        } else {
          throw new WalCorruptError(file, scan.problem.offset, scan.problem.reason);
        }
      }
    }
  }

  async deleteBefore(position: number): Promise<number> {
    await this.#writing;
    let removed = 0;
    while (this.#segments.length > 1 && this.#segments[1]! <= position) {
      const start = this.#segments.shift()!;
      await rm(join(this.#directory, segmentName(start)), { force: true });
      removed++;
    }
    if (removed > 0) await syncDirectory(this.#directory);
    return removed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#writing !== undefined) await this.#writing;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#syncNow();
    await this.#handle?.close();
    this.#handle = undefined;
  }

  #kick(): void {
    if (this.#writing !== undefined) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
      if (this.#pending.length > 0) this.#kick();
    });
  }

  /** Writes every pending block in one go; one fsync covers them all (group commit). */
  async #drain(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      const written: Array<{ position: number; pending: Pending }> = [];
      for (const pending of batch) {
        if (this.#handle === undefined || (this.#segmentSize > 0 && this.#segmentSize + pending.bytes.length > this.#segmentBytes)) {
          await this.#roll();
        }
        written.push({ position: this.#end, pending });
        await this.#handle!.write(pending.bytes);
        this.#segmentSize += pending.bytes.length;
        this.#end += pending.bytes.length;
      }
      if (this.#fsync === "block") {
        await this.#handle?.sync();
        for (const { position, pending } of written) pending.resolve(position);
      } else {
        for (const { position, pending } of written) this.#unsynced.push({ position, resolve: pending.resolve, reject: pending.reject });
        this.#timer ??= setInterval(() => void this.#syncNow(), this.#fsync);
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  async #syncNow(): Promise<void> {
    const waiting = this.#unsynced;
    if (waiting.length === 0) return;
    this.#unsynced = [];
    try {
      await this.#handle?.sync();
      for (const w of waiting) w.resolve(w.position);
    } catch (error) {
      for (const w of waiting) w.reject(error);
    }
  }

  async #roll(): Promise<void> {
    if (this.#handle !== undefined) {
      await this.#handle.sync();
      const waiting = this.#unsynced;
      this.#unsynced = [];
      for (const w of waiting) w.resolve(w.position);
      await this.#handle.close();
    }
    this.#segmentStart = this.#end;
    this.#segmentSize = 0;
    this.#handle = await open(join(this.#directory, segmentName(this.#segmentStart)), "a");
    this.#segments.push(this.#segmentStart);
    await syncDirectory(this.#directory);
  }

  async #listSegments(): Promise<number[]> {
    return (await readdir(this.#directory))
      .flatMap((name) => {
        const match = SEGMENT.exec(name);
        return match === null ? [] : [Number(match[1])];
      })
      .sort((a, b) => a - b);
  }
}

const encodeBlock = (records: ReadonlyArray<Uint8Array>): Uint8Array => {
  let bodyLength = 4;
  for (const record of records) bodyLength += 4 + record.length;
  const block = new Uint8Array(HEADER_BYTES + bodyLength);
  const view = new DataView(block.buffer);
  view.setUint32(0, bodyLength);
  view.setUint32(HEADER_BYTES, records.length);
  let at = HEADER_BYTES + 4;
  for (const record of records) {
    view.setUint32(at, record.length);
    block.set(record, at + 4);
    at += 4 + record.length;
  }
  view.setUint32(4, crc32(block.subarray(HEADER_BYTES)));
  return block;
};

/** The intact blocks of one segment, and where and why it stops if not at its end. */
const scanSegment = (bytes: Uint8Array, start: number): Scan => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks: LoggedBlock[] = [];
  let at = 0;
  const stop = (reason: string, blockEnd: number): Scan => {
    // Torn: nothing intact could follow (the block runs to or past the end, or only zeros do).
    const torn = blockEnd >= bytes.length || bytes.subarray(at).every((b) => b === 0);
    return { blocks, validEnd: at, problem: { offset: at, reason, torn } };
  };
  while (at < bytes.length) {
    if (at + HEADER_BYTES > bytes.length) return stop("its header is cut short", bytes.length);
    const bodyLength = view.getUint32(at);
    const end = at + HEADER_BYTES + bodyLength;
    if (bodyLength < 4) return stop(`its length ${bodyLength} is too small`, end);
    if (end > bytes.length) return stop(`it is cut short: ${bytes.length - at} of ${end - at} bytes`, end);
    const body = bytes.subarray(at + HEADER_BYTES, end);
    if (crc32(body) !== view.getUint32(at + 4)) return stop("its checksum does not match", end);
    const records: Uint8Array[] = [];
    const count = view.getUint32(at + HEADER_BYTES);
    let r = at + HEADER_BYTES + 4;
    for (let i = 0; i < count; i++) {
      const length = view.getUint32(r);
      records.push(bytes.slice(r + 4, r + 4 + length));
      r += 4 + length;
    }
    blocks.push({ position: start + at, next: start + end, records });
    at = end;
  }
  return { blocks, validEnd: at };
};
