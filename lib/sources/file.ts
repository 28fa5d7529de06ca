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
 * The directory is listed and the files are read when the batch is generated (Spark
 * lists on the driver, too), asynchronously: the batch's contents are then fixed at
 * its batch time, however late it runs, and its record count is exact. A text file's
 * lines are counted then, but split only when its partition is read: on the driver, or on
 * a `local[n]` worker thread, which is sent the file's text. A file that
 * vanished, cannot be read, or is empty is reported (log and `onReceiverError`) and
 * skipped, never retried; so is a directory that disappears (its batches are empty
 * until it is back).
 *
 * Old files cost nothing per batch: the stream remembers each name it has seen with
 * its modification time, lists the directory again only when the directory's own
 * modification time changed (or is too recent to trust, within 2 s), and examines
 * (`stat`, `filter`) only names it has not seen. So a file already in the directory is
 * not examined again while its name stays: rewriting or touching it in place is not
 * noticed (rename files in, as Spark advises). Only files dated after the batch that
 * lists them (not yet due) are examined again, each batch, until they are due.
 *
 * While the job is backlogged (half of the context's `maxPendingBatches` wait), a
 * batch reads one due file and defers the others to later batches, oldest first; a
 * deferred file is never dropped.
 *
 * Modification times are compared with the context's clock: under a `ManualClock`,
 * set files' times to the clock's (`fs.utimesSync(path, t / 1000, t / 1000)`), as
 * Spark's own tests do.
 *
 * @module
 */
import { readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import * as t from "io-ts";
import { fileURLToPath } from "node:url";
import { Duration, type Time } from "../time/duration.ts";
import { InputDStream, type TakenBatch } from "../dstream/_input.ts";
import type { StreamingGraph } from "../dstream/_graph.ts";
import type { DStream } from "../dstream/dstream.ts";
import { LineBlock, LineSplitter } from "./line_splitter.ts";
import { holdsPacked, rddOfBlocks, recordCountOf, shippedBlock, type TakenRecords } from "./_packed_partitions.ts";
import { fileSystem } from "./_file_system.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";
import { ioTsStateCodec } from "../checkpoint/state_codec.ts";

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
    const splitter = textSplitter(path, report);
    const lines = splitter.push(bytes);
    for (const line of splitter.end()) lines.push(line);
    if (lines.length > 0 && lines[0]!.charCodeAt(0) === 0xfeff) lines[0] = lines[0]!.slice(1);
    return lines;
  },
};

const textSplitter = (path: string, report: (message: string) => void): LineSplitter =>
  new LineSplitter((n) =>
    report(`File ${path} holds ${n} bytes of lines that are not valid UTF-8; they were decoded with U+FFFD replacement characters`)
  );

const BYTE_ORDER_MARK = 0xfeff;

/**
 * `textLines.read`, with the lines that end with `\n` alone kept as one text (a
 * {@link LineBlock}, before the others): a batch's partition is split only on the thread
 * that reads it, so a `local[n]` worker is sent the text and splits it itself.
 */
const readPackedLines = (bytes: Uint8Array, path: string, report: (message: string) => void): TakenRecords<string> => {
  const splitter = textSplitter(path, report);
  const completed = splitter.pushBlock(bytes);
  const last = splitter.end();
  let block = completed.block;
  // `completed.lines` may be a shared empty array: never pushed to.
  const lines = last.length === 0 ? completed.lines : completed.lines.concat(last);
  if (block === undefined) {
    if (lines.length > 0 && lines[0]!.charCodeAt(0) === BYTE_ORDER_MARK) lines[0] = lines[0]!.slice(1);
    return { array: lines };
  }
  if (block.text.charCodeAt(0) === BYTE_ORDER_MARK) block = new LineBlock(block.text.slice(1), block.count);
  return { pieces: lines.length === 0 ? [block] : [block, lines], count: block.count + lines.length };
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

/** How recent a directory's modification time must be for a listing to be repeated anyway (coarse file-system clocks). */
const COARSE_DIRECTORY_TIME_MS = 2000;

/** How many new names are examined at once: enough to keep the disk busy, few enough not to exhaust file handles. */
const STATS_AT_ONCE = 64;

/** The mark of a name no batch will select (already selected, too old, filtered out, not a readable file). */
const PASSED = Number.POSITIVE_INFINITY;

const listDirectory = (directory: string) => fileSystem.readdir(directory, { withFileTypes: true });

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

/** What a checkpoint keeps of a file stream. */
interface FileStreamPosition {
  readonly initialThreshold: number;
  /** The files of each batch after the state's checkpoint: read again at recovery. */
  readonly batches: ReadonlyArray<readonly [number, ReadonlyArray<string>]>;
  /** Names selected recently (with their batch time): never selected again. */
  readonly selected: ReadonlyArray<readonly [string, number]>;
  /** Files selected that a backlogged batch left for later ones. */
  readonly deferred: ReadonlyArray<string>;
}

const positionCodec = ioTsStateCodec(t.type({
  initialThreshold: t.number,
  batches: t.array(t.tuple([t.number, t.array(t.string)])),
  selected: t.array(t.tuple([t.string, t.number])),
  deferred: t.array(t.string),
}));

/** A stream of the records of the files that appear in a directory (Spark's FileInputDStream). */
export class FileInputDStream<A> extends InputDStream<A> implements FileDStream<A> {
  /** The absolute path of the watched directory. */
  readonly directory: string;
  readonly format: FileFormat<A>;
  readonly newFilesOnly: boolean;
  /** How long selected files are remembered: `minRememberDuration` rounded up to whole batches. */
  readonly durationToRemember: Duration;
  readonly #filter: ((path: string) => boolean) | undefined;
  /** Files modified at or before this are never read (the start time, with `newFilesOnly`); kept across recoveries. */
  #initialThreshold: number;
  /** With checkpoints: the files each batch read (by batch time), until a state checkpoint covers the batch. */
  readonly #batchFiles = new Map<number, ReadonlyArray<string>>();
  /** With checkpoints: names selected, with the batch that selected them, while they could be selected again. */
  readonly #selected = new Map<string, number>();
  /** After a recovery: the files of the batches to generate again, by batch time. */
  readonly #recovered = new Map<number, ReadonlyArray<string>>();
  /**
   * Every name seen in the directory and still there: its modification time while it
   * may still be selected, or {@link PASSED} once it was selected, found old, filtered
   * out, or could not be examined (reported once, while it stays).
   */
  readonly #seen = new Map<string, number>();
  /** Names seen whose modification time is after the latest threshold and that no batch selected yet. */
  readonly #candidates = new Set<string>();
  /** Selected files a backlogged batch left for later ones, oldest first. */
  readonly #deferred: string[] = [];
  /** The directory's modification time at the last listing. */
  #listedAt: number | undefined;
  /** The listing under way: batches and a graceful stop share it. */
  #refreshing: Promise<void> | undefined;
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
    context.registerRecoverable(this.#recoverable() as Recoverable<unknown>);
  }

  override get sourceIdentity(): string {
    return this.directory;
  }

  #recoverable(): Recoverable<FileStreamPosition> {
    const stream = this;
    return {
      get name() {
        return stream.checkpointName;
      },
      role: "input",
      kind: this.kind,
      codec: positionCodec,
      snapshot: (_time, stateTime) => {
        for (const t of this.#batchFiles.keys()) if (t <= stateTime.milliseconds) this.#batchFiles.delete(t);
        return {
          initialThreshold: this.#initialThreshold,
          batches: [...this.#batchFiles],
          selected: [...this.#selected],
          deferred: [...this.#deferred],
        };
      },
      restore: (position) => {
        this.#initialThreshold = position.initialThreshold;
        for (const [t, files] of position.batches) {
          this.#recovered.set(t, files);
          this.#batchFiles.set(t, files);
        }
        for (const [name, t] of position.selected) {
          this.#selected.set(name, t);
          this.#seen.set(name, PASSED);
        }
        this.#deferred.push(...position.deferred);
      },
    };
  }
  #report(message: string, error?: unknown): void {
    this.context.reportReceiverError(this, message, error);
  }

  /** Lists the directory if it changed, examining only names not seen before. */
  #refresh(): Promise<void> {
    this.#refreshing ??= this.#list().finally(() => this.#refreshing = undefined);
    return this.#refreshing;
  }

  async #list(): Promise<void> {
    let directoryTime: number;
    let entries: Awaited<ReturnType<typeof listDirectory>>;
    try {
      directoryTime = (await fileSystem.stat(this.directory)).mtimeMs;
      // A coarse file-system clock may leave the time unchanged by an entry added just after the listing.
      if (directoryTime === this.#listedAt && Date.now() - directoryTime > COARSE_DIRECTORY_TIME_MS) {
        await this.#recheckFutureFiles();
        return;
      }
      entries = await listDirectory(this.directory);
    } catch (error) {
      if (!this.#directoryMissing) {
        this.#directoryMissing = true;
        const reason = errorCode(error) === "ENOENT" ? "no longer exists" : `cannot be listed (${errorCode(error) ?? describe(error)})`;
        this.#report(`Directory ${this.directory} ${reason}: its batches are empty until it is back`, error);
      }
      this.#listedAt = undefined;
      return;
    }
    if (this.#directoryMissing) {
      this.#directoryMissing = false;
      this.context.logger.info(`${this.name}: directory ${this.directory} is back`);
    }
    this.#listedAt = directoryTime;
    const present = new Set<string>();
    const fresh: string[] = [];
    for (const entry of entries) {
      if (isHidden(entry.name) || entry.isDirectory()) continue;
      present.add(entry.name);
      if (!this.#seen.has(entry.name)) fresh.push(entry.name);
    }
    for (const name of this.#seen.keys()) {
      if (!present.has(name)) {
        this.#seen.delete(name);
        this.#candidates.delete(name);
      }
    }
    fresh.sort();
    for (let i = 0; i < fresh.length; i += STATS_AT_ONCE) {
      await Promise.all(fresh.slice(i, i + STATS_AT_ONCE).map((name) => this.#examine(name)));
    }
    await this.#recheckFutureFiles();
  }

  /** Filters and stats a name seen for the first time. */
  async #examine(name: string): Promise<void> {
    const path = join(this.directory, name);
    this.#seen.set(name, PASSED);
    if (this.#filter !== undefined) {
      let accepted: boolean;
      try {
        accepted = this.#filter(path);
      } catch (error) {
        this.#report(`The filter threw on ${path}; the file is skipped`, error);
        return;
      }
      if (!accepted) return;
    }
    try {
      const stat = await fileSystem.stat(path);
      if (!stat.isFile()) return;
      this.#seen.set(name, Math.floor(stat.mtimeMs));
      this.#candidates.add(name);
    } catch (error) {
      this.#reportUnread(path, error);
    }
  }

  /** Files dated after the clock (still being written, or set ahead) are examined again until due. */
  async #recheckFutureFiles(): Promise<void> {
    const now = this.context.clock.now();
    const future = [...this.#candidates].filter((name) => this.#seen.get(name)! > now);
    await Promise.all(future.map(async (name) => {
      try {
        const stat = await fileSystem.stat(join(this.directory, name));
        if (this.#candidates.has(name)) this.#seen.set(name, Math.floor(stat.mtimeMs));
      } catch {
        // Gone or unreadable: the next listing forgets it, or the read reports it.
      }
    }));
  }

  /** The candidates a batch at `time` selects (in name order); drops those now too old for any batch. */
  #due(time: number, threshold: number, select: boolean): string[] {
    const due: string[] = [];
    for (const name of this.#candidates) {
      const modTime = this.#seen.get(name)!;
      if (modTime <= threshold) {
        if (select) {
          this.#candidates.delete(name);
          this.#seen.set(name, PASSED);
        }
      } else if (modTime <= time) {
        due.push(name);
      }
    }
    due.sort();
    if (select) {
      for (const name of due) {
        this.#candidates.delete(name);
        this.#seen.set(name, PASSED);
      }
    }
    return due.map((name) => join(this.directory, name));
  }

  #reportUnread(path: string, error: unknown): void {
    if (errorCode(error) === "ENOENT") this.#report(`File ${path} disappeared before it was read; skipped`, error);
    else this.#report(`File ${path} could not be read (${errorCode(error) ?? describe(error)}); skipped`, error);
  }

  #threshold(time: number): number {
    return Math.max(this.#initialThreshold, time - this.durationToRemember.milliseconds);
  }

  protected override async take(time: Time): Promise<TakenBatch<A>> {
    const t = time.milliseconds;
    const recorded = this.#recovered.get(t);
    if (recorded !== undefined) {
      // Generated again after a recovery: the same files as the first time.
      this.#recovered.delete(t);
      return this.#read(recorded);
    }
    // Whether to take less is decided when the batch is due, not after the listing's I/O.
    const backlogged = this.context.backlog().backlogged;
    await this.#refresh();
    // Selected once, even when the read fails: a bad file is reported, not retried.
    const due = this.#due(t, this.#threshold(t), true);
    this.#deferred.push(...due);
    const toRead = backlogged ? this.#deferred.splice(0, 1) : this.#deferred.splice(0);
    if (this.context.checkpointing) {
      for (const path of due) this.#selected.set(basename(path), t);
      const forgetBefore = t - this.durationToRemember.milliseconds - this.context.batchDuration.milliseconds;
      for (const [name, at] of this.#selected) if (at < forgetBefore) this.#selected.delete(name);
      this.#batchFiles.set(t, toRead);
    }
    return this.#read(toRead);
  }

  /** Reads the files of one batch, each a partition; reports (and skips) those it cannot read. */
  async #read(toRead: ReadonlyArray<string>): Promise<TakenBatch<A>> {
    const packed = this.format === (textLines as FileFormat<unknown>);
    const files: TakenRecords<A>[] = [];
    let count = 0;
    for (const path of toRead) {
      let bytes: Uint8Array;
      try {
        bytes = await fileSystem.readFile(path);
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
      const report = (message: string) => this.#report(message);
      let file: TakenRecords<A>;
      try {
        // textLines keeps a file's lines packed (A is string then); other formats give their records.
        file = packed ? readPackedLines(bytes, path, report) as unknown as TakenRecords<A> : { array: this.format.read(bytes, path, report) as A[] };
      } catch (error) {
        this.#report(`File ${path} could not be read as ${this.format.name}; skipped`, error);
        continue;
      }
      const n = recordCountOf(file);
      if (n > 0) files.push(file);
      count += n;
    }
    if (!holdsPacked(files)) return { rdd: rddOfBlocks(files, false), count };
    // Packed files go to worker threads as their text, split there (not on the driver).
    return { rdd: rddOfBlocks(files, true), count, shipped: () => files.map(shippedBlock) };
  }

  /** Lists the directory once, so the first batch finds the names already there examined. */
  override start(): void {
    void this.#refresh();
  }

  /** Remembers when the context stopped: files that appear later are not waited for. */
  override stop(): Promise<void> {
    this.#stoppedAt ??= this.context.clock.now();
    return Promise.resolve();
  }

  /** True while files that appeared (by the clock, or by the stop) wait for a batch: a graceful stop reads them. */
  override async hasPendingRecords(): Promise<boolean> {
    await this.#refresh();
    const now = this.#stoppedAt ?? this.context.clock.now();
    return this.#deferred.length > 0 || this.#due(now, this.#threshold(now), false).length > 0;
  }
}
