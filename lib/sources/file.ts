/**
 * File streams (`textFileStream`, `fileStream`, `binaryRecordsStream`): each batch
 * reads the files that appeared in a local directory since the previous batch, with
 * Spark's selection rules (FileInputDStream):
 *
 * - at batch time `T`, a file is selected when its name does not start with `.` or
 *   `_` (hidden and temporary files), it passes the user's `filter`, its modification
 *   time is after the threshold `max(initial, T − remember)` and at or before `T`, and
 *   it was not selected in the last `remember` (60 s by default, Spark's
 *   `minRememberDuration`, rounded up to whole batches);
 * - the initial threshold is the clock's time when the stream is created, so files
 *   already there are skipped, unless `newFilesOnly` is `false` (then it is 0);
 * - so a file is read once, in the batch in which it appears. Write files elsewhere (or
 *   under a `.`/`_` name) and rename them into the directory: a rename keeps the
 *   modification time and makes the whole file appear at once. Appending to a file
 *   that was already read is ignored.
 *
 * The directory is listed and the files are read synchronously when the batch is
 * generated (Spark lists on the driver, too): the batch's contents are then fixed at
 * its batch time, however late it runs, and its record count is exact. A file that
 * vanished, cannot be read, or is empty is reported (log and `onReceiverError`) and
 * skipped, never retried; so is a directory that disappears (its batches are empty
 * until it is back).
 *
 * Modification times are compared with the context's clock: under a `ManualClock`,
 * set files' times to the clock's (`fs.utimesSync(path, t / 1000, t / 1000)`), as
 * Spark's own tests do.
 *
 * @module
 */
import { type Dirent, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RDD } from "../rdd/rdd.ts";
import { Duration, type Time } from "../time/duration.ts";
import { InputDStream } from "../dstream/_input.ts";
import type { StreamingGraph } from "../dstream/_graph.ts";
import type { DStream } from "../dstream/dstream.ts";
import { LineSplitter } from "./line_splitter.ts";

/**
 * How a file stream turns one file's bytes into records (Spark's InputFormat).
 * `report` tells listeners and the log about trouble that does not stop the read.
 *
 * @category inputs
 * @since 0.1.0
 */
export interface FileFormat<A> {
  readonly name: string;
  read(bytes: Uint8Array, path: string, report: (message: string) => void): ReadonlyArray<A>;
}

/**
 * UTF-8 lines (Spark's TextInputFormat): `\n`, `\r\n` and `\r` end a line, a last
 * line without a terminator counts, a leading byte-order mark is dropped, and invalid
 * UTF-8 is decoded with U+FFFD and reported.
 *
 * @category inputs
 * @since 0.1.0
 */
export const textLines: FileFormat<string> = {
  name: "text lines",
  read: (bytes, path, report) => {
    const splitter = new LineSplitter((n) =>
      report(`File ${path} holds ${n} bytes of lines that are not valid UTF-8; they were decoded with U+FFFD replacement characters`)
    );
    const lines = splitter.push(bytes);
    for (const line of splitter.end()) lines.push(line);
    if (lines.length > 0 && lines[0]!.charCodeAt(0) === 0xfeff) lines[0] = lines[0]!.slice(1);
    return lines;
  },
};

const checkRecordLength = (recordLength: unknown, where: string): number => {
  if (typeof recordLength !== "number" || !Number.isSafeInteger(recordLength) || recordLength < 1) {
    throw new RangeError(
      `${where}'s recordLength must be a positive whole number of bytes, got ${JSON.stringify(recordLength) ?? typeof recordLength}: give the size of one fixed-length record, e.g. 16`,
    );
  }
  return recordLength;
};

/**
 * Fixed-length binary records (Spark's FixedLengthBinaryInputFormat): each record is a
 * `Uint8Array` of `recordLength` bytes (a view into the file's bytes). A file whose size
 * is not a multiple of `recordLength` is reported, and its incomplete last record left out.
 *
 * @category inputs
 * @since 0.1.0
 */
export const fixedLengthRecords = (recordLength: number): FileFormat<Uint8Array> => fixedLength(recordLength, "fixedLengthRecords");

/**
 * {@link fixedLengthRecords}, with errors naming `where` (e.g. `binaryRecordsStream`).
 *
 * @category spi
 * @since 0.1.0
 */
export const fixedLength = (recordLength: number, where: string): FileFormat<Uint8Array> => {
  const length = checkRecordLength(recordLength, where);
  return {
    name: `records of ${length} bytes`,
    read: (bytes, path, report) => {
      const count = Math.floor(bytes.length / length);
      const tail = bytes.length - count * length;
      if (tail > 0) {
        report(
          `File ${path} has ${bytes.length} bytes, not a multiple of the record length ${length}: its last ${tail} bytes (an incomplete record) were not read`,
        );
      }
      const records: Uint8Array[] = new Array(count);
      for (let i = 0; i < count; i++) records[i] = new Uint8Array(bytes.buffer, bytes.byteOffset + i * length, length);
      return records;
    },
  };
};

/**
 * Options for `fileStream` (and `textFileStream`, `binaryRecordsStream`).
 *
 * @category inputs
 * @since 0.1.0
 */
export interface FileStreamOptions {
  /** Which files to read, given their full path; names starting with `.` or `_` are always skipped. */
  readonly filter?: (path: string) => boolean;
  /** Skip the files already there when the stream is created (default `true`). */
  readonly newFilesOnly?: boolean;
  /** How long a selected file is remembered, and how old a new file may be (default 60 s). */
  readonly minRememberDuration?: Duration;
}

const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;

const describe = (error: unknown): string => error instanceof Error ? error.message : String(error);

/** True for names Hadoop treats as hidden or temporary. */
const isHidden = (name: string): boolean => name.startsWith(".") || name.startsWith("_");

const checkDirectory = (directory: unknown, where: string): string => {
  const path = directory instanceof URL ? fileURLToPath(directory) : directory;
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(`${where}'s directory must be a non-empty path, got ${JSON.stringify(directory) ?? typeof directory}`);
  }
  const absolute = resolve(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch (error) {
    if (errorCode(error) === "ENOENT") {
      throw new Error(`${where}'s directory ${JSON.stringify(absolute)} does not exist: create it first (e.g. mkdir -p), or fix the path`, {
        cause: error,
      });
    }
    throw new Error(`${where}'s directory ${JSON.stringify(absolute)} cannot be read (${describe(error)}): check the path and its permissions`, {
      cause: error,
    });
  }
  if (!isDirectory) {
    throw new Error(`${where}'s directory ${JSON.stringify(absolute)} is not a directory: give the directory files are moved into`);
  }
  try {
    readdirSync(absolute);
  } catch (error) {
    throw new Error(
      `${where}'s directory ${JSON.stringify(absolute)} cannot be listed (${errorCode(error) ?? describe(error)}): give the user running the job read and execute permission on it`,
      { cause: error },
    );
  }
  return absolute;
};

/**
 * The stream of a directory's new files (`ssc.textFileStream`, `ssc.fileStream`,
 * `ssc.binaryRecordsStream`).
 *
 * @category inputs
 * @since 0.2.0
 */
export interface FileDStream<A> extends DStream<A> {
  /** The absolute path of the watched directory. */
  readonly directory: string;
  readonly format: FileFormat<A>;
  readonly newFilesOnly: boolean;
  /** How long selected files are remembered: `minRememberDuration` rounded up to whole batches. */
  readonly durationToRemember: Duration;
}

/** A stream of the records of the files that appear in a directory (Spark's FileInputDStream). */
export class FileInputDStream<A> extends InputDStream<A> implements FileDStream<A> {
  /** The absolute path of the watched directory. */
  readonly directory: string;
  readonly format: FileFormat<A>;
  readonly newFilesOnly: boolean;
  /** How long selected files are remembered: `minRememberDuration` rounded up to whole batches. */
  readonly durationToRemember: Duration;
  readonly #filter: ((path: string) => boolean) | undefined;
  readonly #initialThreshold: number;
  /** Files selected in the last `durationToRemember`, with the batch time that took them. */
  readonly #recentlySelected = new Map<string, number>();
  /** Entries whose status could not be read (a broken link, say): reported once, while they stay. */
  #unreadable = new Set<string>();
  #directoryMissing = false;
  #stoppedAt: number | undefined;

  constructor(context: StreamingGraph, directory: string | URL, format: FileFormat<A>, options: FileStreamOptions = {}, kind = "fileStream") {
    const absolute = checkDirectory(directory, kind);
    const { filter, newFilesOnly = true, minRememberDuration } = options ?? {};
    if (filter !== undefined && typeof filter !== "function") {
      throw new TypeError(`${kind}'s filter must be a function from a file's path to true (read it) or false, got ${typeof filter}`);
    }
    if (typeof newFilesOnly !== "boolean") {
      throw new TypeError(`${kind}'s newFilesOnly must be true or false, got ${typeof newFilesOnly}`);
    }
    if (minRememberDuration !== undefined && (!(minRememberDuration instanceof Duration) || minRememberDuration.milliseconds <= 0)) {
      throw new TypeError(`${kind}'s minRememberDuration must be a positive Duration such as Seconds(60)`);
    }
    if (typeof format !== "object" || format === null || typeof format.read !== "function") {
      throw new TypeError(`${kind}'s format must be a FileFormat such as textLines or fixedLengthRecords(16)`);
    }
    super(context, kind);
    const batch = context.batchDuration.milliseconds;
    const remember = minRememberDuration?.milliseconds ?? 60_000;
    this.directory = absolute;
    this.format = format;
    this.newFilesOnly = newFilesOnly;
    this.durationToRemember = new Duration(batch * Math.ceil(remember / batch));
    this.#filter = filter;
    this.#initialThreshold = newFilesOnly ? context.clock.now() : 0;
  }

  #report(message: string, error?: unknown): void {
    this.context.reportReceiverError(this, message, error);
  }

  /** The files a batch at `time` would select, in name order, with their modification times. */
  #newFiles(time: number, threshold: number, reportTrouble: boolean): string[] {
    let entries: Dirent[];
    try {
      entries = readdirSync(this.directory, { withFileTypes: true });
    } catch (error) {
      if (reportTrouble && !this.#directoryMissing) {
        this.#directoryMissing = true;
        const reason = errorCode(error) === "ENOENT" ? "no longer exists" : `cannot be listed (${errorCode(error) ?? describe(error)})`;
        this.#report(`Directory ${this.directory} ${reason}: its batches are empty until it is back`, error);
      }
      return [];
    }
    if (reportTrouble && this.#directoryMissing) {
      this.#directoryMissing = false;
      this.context.logger.info(`${this.name}: directory ${this.directory} is back`);
    }
    const names = entries.filter((entry) => !isHidden(entry.name) && !entry.isDirectory()).map((entry) => entry.name).sort();
    const selected: string[] = [];
    const unreadable = new Set<string>();
    for (const name of names) {
      const path = join(this.directory, name);
      if (this.#recentlySelected.has(path)) continue;
      if (this.#unreadable.has(path)) {
        unreadable.add(path);
        continue;
      }
      if (this.#filter !== undefined) {
        let accepted: boolean;
        try {
          accepted = this.#filter(path);
        } catch (error) {
          if (reportTrouble) this.#report(`The filter threw on ${path}; the file is skipped`, error);
          continue;
        }
        if (!accepted) continue;
      }
      let modTime: number;
      try {
        const stat = statSync(path);
        if (!stat.isFile()) continue;
        modTime = Math.floor(stat.mtimeMs);
      } catch (error) {
        if (reportTrouble) {
          this.#reportUnread(path, error);
          unreadable.add(path);
        }
        continue;
      }
      if (modTime > threshold && modTime <= time) selected.push(path);
    }
    if (reportTrouble) this.#unreadable = unreadable;
    return selected;
  }

  #reportUnread(path: string, error: unknown): void {
    if (errorCode(error) === "ENOENT") this.#report(`File ${path} disappeared before it was read; skipped`, error);
    else this.#report(`File ${path} could not be read (${errorCode(error) ?? describe(error)}); skipped`, error);
  }

  #threshold(time: number): number {
    return Math.max(this.#initialThreshold, time - this.durationToRemember.milliseconds);
  }

  protected override take(time: Time): { readonly rdd: RDD<A>; readonly count: number } {
    const t = time.milliseconds;
    const threshold = this.#threshold(t);
    for (const [path, selectedAt] of this.#recentlySelected) {
      if (selectedAt <= t - this.durationToRemember.milliseconds) this.#recentlySelected.delete(path);
    }
    const partitions: Array<ReadonlyArray<A>> = [];
    let count = 0;
    for (const path of this.#newFiles(t, threshold, true)) {
      // Selected once, even when the read fails: a bad file is reported, not retried.
      this.#recentlySelected.set(path, t);
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(path);
      } catch (error) {
        this.#reportUnread(path, error);
        continue;
      }
      if (bytes.length === 0) {
        this.#report(
          `File ${path} has no data in it. Spark Streaming can only ingest files that have been "moved" to the directory assigned to the file stream: write the file elsewhere, then rename it into ${this.directory}`,
        );
        continue;
      }
      let records: ReadonlyArray<A>;
      try {
        records = this.format.read(bytes, path, (message) => this.#report(message));
      } catch (error) {
        this.#report(`File ${path} could not be read as ${this.format.name}; skipped`, error);
        continue;
      }
      if (records.length > 0) partitions.push(records);
      count += records.length;
    }
    return { rdd: partitions.length === 0 ? RDD.empty<A>() : RDD.fromPartitions(partitions), count };
  }

  /** Remembers when the context stopped: files that appear later are not waited for. */
  override stop(): Promise<void> {
    this.#stoppedAt ??= this.context.clock.now();
    return Promise.resolve();
  }

  /** True while files that appeared (by the clock, or by the stop) wait for a batch: a graceful stop reads them. */
  override hasPendingRecords(): boolean {
    const now = this.#stoppedAt ?? this.context.clock.now();
    return this.#newFiles(now, this.#threshold(now), false).length > 0;
  }
}
