/**
 * The embedded checkpoint store: a local directory.
 *
 * @module
 */
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { describeError } from "../_describe.ts";
import { Time } from "../time/duration.ts";
import { crc32 } from "./_crc32.ts";
import { isCode, stderrWarnings, syncDirectory } from "./_fs.ts";
import { CheckpointCorruptError } from "./errors.ts";
import type { CheckpointContent, CheckpointStore, LatestCheckpoint, StoredCheckpoint, WarningLogger, WriteOptions } from "./store.ts";

/**
 * Spark's CheckpointWriter keeps the newest 10 checkpoint files and deletes older ones
 * after each write (`if (allCheckpointFiles.size > 10) …take(size - 10)…delete`).
 *
 * @category constants
 * @since 0.2.0
 */
export const DEFAULT_CHECKPOINTS_KEPT = 10;

/**
 * Options of `directoryCheckpointStore`.
 *
 * @category model
 * @since 0.2.0
 */
export interface DirectoryCheckpointStoreOptions {
  /** How many checkpoints each write leaves (older ones are pruned): 10, as Spark. */
  readonly keep?: number;
  /** Where warnings go (a skipped corrupt checkpoint): standard error by default. */
  readonly logger?: WarningLogger;
}

const PREFIX = "checkpoint-";
const REMOVED = "it was removed while being read";
const NAME = /^checkpoint-(\d+)$/;
const TEMP = /^\.checkpoint-\d+\.tmp-/;
const HEAD = new TextEncoder().encode("DSCKPT01");
const TAIL = new TextEncoder().encode("DSCE");
/** The footer: crc32, length (low, high 32 bits), then the tail magic. */
const FOOTER_BYTES = 16;

/**
 * A checkpoint store in a local directory (created if missing). Each checkpoint is one file,
 * `checkpoint-<batch time ms>`, as Spark names them: written aside under a hidden temporary
 * name, fsynced, renamed into place, and the directory fsynced, so a crash at any moment
 * leaves every earlier checkpoint usable. Each file carries its length and a CRC-32, so a
 * truncated or damaged one is detected when read; reading falls back to the previous one
 * with a warning. All I/O is asynchronous (`node:fs/promises`).
 *
 * @example
 * (Not run as a doc test: it needs file-system permissions; tests/checkpoint_store.test.ts and
 * tests/wal_log.test.ts run the same steps.)
 * ```ts ignore
 * import { directoryCheckpointStore } from "./directory_store.ts";
 * import { Time } from "../time/duration.ts";
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert";
 *
 * const store = directoryCheckpointStore(await mkdtemp(join(tmpdir(), "ckpt-")));
 * await store.write(new Time(1000), new TextEncoder().encode("one"));
 * await store.write(new Time(2000), [new TextEncoder().encode("tw"), new TextEncoder().encode("o")]);
 * const latest = await store.readLatest((bytes) => new TextDecoder().decode(bytes));
 * assert.equal(latest?.time.milliseconds, 2000);
 * assert.equal(latest?.value, "two");
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const directoryCheckpointStore = (
  directory: string,
  options: DirectoryCheckpointStoreOptions = {},
): CheckpointStore => new DirectoryCheckpointStore(directory, options);

class DirectoryCheckpointStore implements CheckpointStore {
  readonly #directory: string;
  readonly #keep: number;
  readonly #logger: WarningLogger;
  /** Writes and prunes run one at a time, in call order. */
  #queue: Promise<unknown> = Promise.resolve();
  #ready: Promise<void> | undefined;
  #writes = 0;

  constructor(directory: string, options: DirectoryCheckpointStoreOptions) {
    const keep = options.keep ?? DEFAULT_CHECKPOINTS_KEPT;
    if (!Number.isSafeInteger(keep) || keep < 1) {
      throw new RangeError(`A checkpoint store keeps at least 1 checkpoint, got keep: ${String(keep)}: pass a whole number ≥ 1 (10 by default)`);
    }
    this.#directory = directory;
    this.#keep = keep;
    this.#logger = options.logger ?? stderrWarnings;
  }

  write(time: Time, content: CheckpointContent, options: WriteOptions = {}): Promise<StoredCheckpoint> {
    return this.#serially(async () => {
      await this.#mkdir();
      const stored = this.#stored(time.milliseconds);
      const temp = join(this.#directory, `.${PREFIX}${time.milliseconds}.tmp-${process.pid}-${++this.#writes}`);
      const handle = await open(temp, "w");
      try {
        await handle.write(HEAD);
        let crc = 0;
        let length = 0;
        for await (const chunk of chunksOf(content)) {
          crc = crc32(chunk, crc);
          length += chunk.length;
          await handle.write(chunk);
        }
        const footer = new Uint8Array(FOOTER_BYTES);
        const view = new DataView(footer.buffer);
        view.setUint32(0, crc);
        view.setUint32(4, length >>> 0);
        view.setUint32(8, Math.floor(length / 2 ** 32));
        footer.set(TAIL, 12);
        await handle.write(footer);
        await handle.sync();
      } catch (error) {
        await handle.close();
        await rm(temp, { force: true });
        throw error;
      }
      await handle.close();
      await rename(temp, stored.location);
      await syncDirectory(this.#directory);
      await this.#pruneNow(this.#keep, options.keepFrom?.milliseconds);
      return stored;
    });
  }

  async list(): Promise<ReadonlyArray<StoredCheckpoint>> {
    let names: string[];
    try {
      names = await readdir(this.#directory);
    } catch (error) {
      if (isCode(error, "ENOENT")) return [];
      throw error;
    }
    return names
      .flatMap((name) => {
        const match = NAME.exec(name);
        return match === null ? [] : [Number(match[1])];
      })
      .filter(Number.isSafeInteger)
      .sort((a, b) => a - b)
      .map((ms) => this.#stored(ms));
  }

  async readLatest<T>(
    decode: (bytes: Uint8Array, checkpoint: StoredCheckpoint) => T,
  ): Promise<LatestCheckpoint<T> | undefined> {
    const newestFirst = [...(await this.list())].reverse();
    const skipped: StoredCheckpoint[] = [];
    let firstProblem: CheckpointCorruptError | undefined;
    for (const [index, checkpoint] of newestFirst.entries()) {
      let problem: CheckpointCorruptError;
      try {
        const bytes = await this.#readIntact(checkpoint);
        try {
          return { ...checkpoint, value: decode(bytes, checkpoint), skipped };
        } catch (error) {
          problem = new CheckpointCorruptError(checkpoint.location, `it does not decode (${describeError(error)})`);
        }
      } catch (error) {
        if (!(error instanceof CheckpointCorruptError)) throw error;
        problem = error;
      }
      firstProblem ??= problem;
      skipped.push(checkpoint);
      const previous = newestFirst[index + 1];
      this.#logger.warn(
        `${problem.message.split(". It was not restored")[0]}; ` +
          (previous === undefined ? "no older checkpoint is left" : `falling back to ${previous.location}`),
      );
    }
    if (firstProblem === undefined) return undefined;
    throw new CheckpointCorruptError(
      firstProblem.file,
      `${firstProblem.reason}, and none of the ${newestFirst.length - 1} older checkpoints is usable either`,
    );
  }

  prune(keep: number): Promise<ReadonlyArray<StoredCheckpoint>> {
    if (!Number.isSafeInteger(keep) || keep < 0) {
      return Promise.reject(new RangeError(`prune keeps a whole number ≥ 0 of checkpoints, got ${String(keep)}`));
    }
    return this.#serially(() => this.#pruneNow(keep));
  }

  async readAt<T>(time: Time, decode: (bytes: Uint8Array, checkpoint: StoredCheckpoint) => T): Promise<T | undefined> {
    const checkpoint = this.#stored(time.milliseconds);
    let bytes: Uint8Array;
    try {
      bytes = await this.#readIntact(checkpoint);
    } catch (error) {
      if (error instanceof CheckpointCorruptError && error.reason === REMOVED) return undefined;
      throw error;
    }
    try {
      return decode(bytes, checkpoint);
    } catch (error) {
      throw new CheckpointCorruptError(checkpoint.location, `it does not decode (${describeError(error)})`);
    }
  }

  async #pruneNow(keep: number, keepFromMs = Number.POSITIVE_INFINITY): Promise<ReadonlyArray<StoredCheckpoint>> {
    const all = await this.list();
    const removed = all.slice(0, Math.max(0, all.length - keep)).filter((c) => c.time.milliseconds < keepFromMs);
    for (const checkpoint of removed) await rm(checkpoint.location, { force: true });
    // Temporary files left by a process that died mid-write (this store's writes are serial,
    // so none of its own is in flight here).
    for (const name of await readdir(this.#directory).catch(() => [] as string[])) {
      if (TEMP.test(name)) await rm(join(this.#directory, name), { force: true });
    }
    if (removed.length > 0) await syncDirectory(this.#directory);
    return removed;
  }

  async #readIntact(checkpoint: StoredCheckpoint): Promise<Uint8Array> {
    let file: Uint8Array;
    try {
      file = await readFile(checkpoint.location);
    } catch (error) {
      if (isCode(error, "ENOENT")) throw new CheckpointCorruptError(checkpoint.location, REMOVED);
      throw error;
    }
    const corrupt = (reason: string) => new CheckpointCorruptError(checkpoint.location, reason);
    if (file.length < HEAD.length + FOOTER_BYTES) throw corrupt(`it is truncated (${file.length} bytes)`);
    if (!startsWith(file, HEAD, 0)) throw corrupt("it does not start as a dstreams checkpoint");
    if (!startsWith(file, TAIL, file.length - TAIL.length)) throw corrupt("it is truncated (no footer)");
    const view = new DataView(file.buffer, file.byteOffset + file.length - FOOTER_BYTES, FOOTER_BYTES);
    const length = view.getUint32(4) + view.getUint32(8) * 2 ** 32;
    const body = file.subarray(HEAD.length, file.length - FOOTER_BYTES);
    if (length !== body.length) throw corrupt(`its length is ${body.length} bytes, the footer says ${length}`);
    const crc = crc32(body);
    if (crc !== view.getUint32(0)) {
      throw corrupt(`its checksum does not match (crc32 ${hex(crc)}, the footer says ${hex(view.getUint32(0))})`);
    }
    return body;
  }

  #stored(ms: number): StoredCheckpoint {
    return { time: new Time(ms), location: join(this.#directory, `${PREFIX}${ms}`) };
  }

  #mkdir(): Promise<void> {
    this.#ready ??= mkdir(this.#directory, { recursive: true }).then(() => undefined);
    return this.#ready;
  }

  #serially<R>(step: () => Promise<R>): Promise<R> {
    const result = this.#queue.then(step);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

async function* chunksOf(content: CheckpointContent): AsyncIterable<Uint8Array> {
  if (content instanceof Uint8Array) yield content;
  else yield* content;
}

const startsWith = (bytes: Uint8Array, prefix: Uint8Array, at: number): boolean =>
  prefix.every((byte, i) => bytes[at + i] === byte);

const hex = (n: number): string => n.toString(16).padStart(8, "0");
