/**
 * The write-ahead log of one receiver stream (Spark's
 * `spark.streaming.receiver.writeAheadLog.enable`, on whenever a checkpoint directory is
 * set): what a receiver stores counts as received only once it is in the log. Stored
 * records are appended in groups (one append, one fsync, per turn of the event loop), then
 * handed to the stream's buffer; each batch's share is recorded as a range of the log, so a
 * recovered context regenerates the batch with the same records, and the records logged but
 * not yet in a batch go back into the buffer. Segments before the oldest range still needed
 * are deleted once a checkpoint covers them.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import { setImmediate } from "node:timers";
import type { Logger } from "../dstream/_graph.ts";
import { openWriteAheadLog, type WriteAheadLog } from "../checkpoint/write_ahead_log.ts";
import { describeError } from "../_describe.ts";

/** Where a record is: its block's position in the log and its index in the block. */
type Place = readonly [position: number, index: number];

/** What a checkpoint keeps of a receiver stream. */
export interface ReceiverPosition {
  /** Each batch after the state's checkpoint: [batch time, block position, index, count]. */
  readonly batches: ReadonlyArray<readonly [number, number, number, number]>;
  /** The first record no batch took. */
  readonly next: Place;
}

interface Block {
  readonly position: number;
  readonly count: number;
}

export class ReceiverLog<T> {
  readonly #directory: string;
  readonly #logger: Logger;
  /** Logged records go to the stream's buffer, in order. */
  readonly #deliver: (records: ReadonlyArray<T>) => void;
  #wal: WriteAheadLog | undefined;
  #ready: Promise<void> | undefined;
  #closed = false;
  /** Stored, not logged yet. */
  #unlogged: T[] = [];
  #flushing: Promise<void> | undefined;
  /** The logged blocks whose records are in the buffer, oldest first, and how many of the first a batch took. */
  readonly #blocks: Block[] = [];
  #headTaken = 0;
  /**
   * The newest block batches took whole: unbatched records start after it. (Not the log's
   * end: that moves on as soon as an append starts, before the block is durable and
   * delivered, so a snapshot taken meanwhile would skip that block.)
   */
  #lastTaken: Block | undefined;
  /** Where the records of the batches after the state's checkpoint are. */
  readonly #batches = new Map<number, readonly [number, number, number]>();
  /** Recovered: the records of the batches to generate again. */
  readonly #recovered = new Map<number, ReadonlyArray<T>>();
  #restored: ReceiverPosition | undefined;

  readonly #fsync: "block" | number;

  constructor(directory: string, logger: Logger, deliver: (records: ReadonlyArray<T>) => void, fsync: "block" | number = "block") {
    this.#fsync = fsync;
    this.#directory = directory;
    this.#logger = logger;
    this.#deliver = deliver;
  }

  /** Records stored and not yet in the log. */
  get unlogged(): number {
    return this.#unlogged.length;
  }

  /** True until the log is open (and, after a recovery, replayed). */
  get opening(): boolean {
    return this.#wal === undefined && !this.#closed;
  }

  /** Resolves once the log is open and replayed. */
  ready(): Promise<void> {
    return this.#ready ?? Promise.resolve();
  }

  restore(position: ReceiverPosition): void {
    this.#restored = position;
  }

  /** Opens the log; after a recovery, replays the batches to regenerate and the records no batch took. */
  open(): void {
    this.#ready ??= this.#open();
  }

  async #open(): Promise<void> {
    const wal = await openWriteAheadLog(this.#directory, { logger: this.#logger, fsync: this.#fsync });
    const restored = this.#restored;
    if (restored !== undefined) {
      const ranges = restored.batches.map(([t, position, index, count]) => ({ t, place: [position, index] as Place, count, records: [] as T[] }));
      const starts = [...ranges.map((r) => r.place[0]), restored.next[0]];
      const from = Math.min(...starts);
      const [nextPosition, nextIndex] = restored.next;
      const unbatched: T[] = [];
      for await (const block of wal.replay(from)) {
        const records = deserialize(block.records[0]!) as T[];
        for (let i = 0; i < records.length; i++) {
          for (const range of ranges) {
            if (range.records.length < range.count && isAtOrAfter(block.position, i, range.place)) range.records.push(records[i]!);
          }
        }
        if (block.position > nextPosition || block.position === nextPosition) {
          const skip = block.position === nextPosition ? nextIndex : 0;
          if (skip < records.length) {
            this.#blocks.push({ position: block.position, count: records.length });
            if (unbatched.length === 0) this.#headTaken = skip;
            unbatched.push(...records.slice(skip));
          }
        }
      }
      for (const range of ranges) {
        if (range.records.length < range.count) {
          this.#logger.warn(
            `The write-ahead log in ${this.#directory} holds ${range.records.length} of the ${range.count} records of batch ${range.t}: the rest were lost with the log`,
          );
        }
        this.#recovered.set(range.t, range.records);
        this.#batches.set(range.t, [range.place[0], range.place[1], range.count]);
      }
      if (unbatched.length > 0) this.#deliver(unbatched);
      this.#startPlace = restored.next;
    }
    this.#wal = wal;
    if (this.#closed) await wal.close();
  }

  /** Logs `records`; they reach the buffer once durable. Resolves then. */
  add(records: ReadonlyArray<T>): Promise<void> {
    for (let i = 0; i < records.length; i++) this.#unlogged.push(records[i]!);
    this.#flushing ??= this.#flush();
    return this.#flushing;
  }

  /** Resolves once everything stored so far is logged. */
  flushed(): Promise<void> {
    return this.#flushing ?? Promise.resolve();
  }

  async #flush(): Promise<void> {
    // One append for what the receiver stores in this turn of the event loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      await this.ready();
      while (this.#unlogged.length > 0 && this.#wal !== undefined) {
        const records = this.#unlogged;
        this.#unlogged = [];
        let position: number;
        try {
          position = await this.#wal.append([serialize(records)]);
        } catch (error) {
          this.#unlogged = records.concat(this.#unlogged); // not received yet: nothing is dropped
          throw error;
        }
        this.#blocks.push({ position, count: records.length });
        this.#deliver(records);
      }
    } catch (error) {
      this.#logger.error(`The write-ahead log in ${this.#directory} failed; the stored records wait and are logged again in 1 s (${describeError(error)})`);
      if (!this.#closed) setTimeout(() => void (this.#flushing ??= this.#flush()), 1000);
    } finally {
      this.#flushing = undefined;
    }
  }

  /** The records of the batch at `time` after a recovery, if it is one to generate again. */
  recoveredBatch(time: number): ReadonlyArray<T> | undefined {
    const records = this.#recovered.get(time);
    if (records !== undefined) this.#recovered.delete(time);
    return records;
  }

  /** A batch at `time` took the `count` oldest records of the buffer: records where they were in the log. */
  took(time: number, count: number): void {
    const head = this.#blocks[0];
    this.#batches.set(time, [head?.position ?? 0, head === undefined ? 0 : this.#headTaken, count]);
    let left = count;
    while (left > 0) {
      const block = this.#blocks[0]!;
      const inBlock = block.count - this.#headTaken;
      if (left < inBlock) {
        this.#headTaken += left;
        left = 0;
      } else {
        left -= inBlock;
        this.#lastTaken = this.#blocks.shift();
        this.#headTaken = 0;
      }
    }
  }

  snapshot(stateTimeMs: number): ReceiverPosition {
    for (const t of this.#batches.keys()) if (t <= stateTimeMs) this.#batches.delete(t);
    const next = this.#nextPlace();
    return { batches: [...this.#batches].map(([t, [p, i, n]]) => [t, p, i, n] as const), next };
  }

  /** Where the first record no batch took is (or will be, once an append under way completes). */
  #nextPlace(): Place {
    const head = this.#blocks[0];
    if (head !== undefined) return [head.position, this.#headTaken];
    const last = this.#lastTaken;
    return last === undefined ? this.#startPlace : [last.position, last.count];
  }

  /** Where unbatched records start when no block was ever taken in this run. */
  #startPlace: Place = [0, 0];

  /** Deletes the segments no batch after `stateTimeMs` and no unbatched record needs. */
  async commit(stateTimeMs: number): Promise<void> {
    const wal = this.#wal;
    if (wal === undefined || this.#closed) return;
    const needed = [...this.#batches].filter(([t]) => t > stateTimeMs).map(([, [p]]) => p);
    needed.push(this.#nextPlace()[0]);
    await wal.deleteBefore(Math.min(...needed));
  }

  async close(): Promise<void> {
    await this.flushed();
    this.#closed = true;
    await this.#ready?.catch(() => {});
    await this.#wal?.close();
  }
}

const isAtOrAfter = (position: number, index: number, place: Place): boolean =>
  position > place[0] || (position === place[0] && index >= place[1]);
