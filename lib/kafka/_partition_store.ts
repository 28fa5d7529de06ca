/**
 * The checkpoint store a consumer group shares (scale-out mode): one directory per input
 * partition, `<store>/<group>/<topic>-<partition>/`, holding files named after the group
 * generation that wrote them (`g000000012.ckpt`). A file is one partition's whole story
 * at one batch: the next offset to read and, for every stateful node (by checkpoint name),
 * the entries of the keys that partition owns. Files are written aside, fsynced and
 * renamed, so a reader sees a whole file or the previous one.
 *
 * Fencing: the newest generation's file is the partition's truth. A member that lost the
 * partition in a rebalance it has not noticed yet still writes with its old generation;
 * once the new owner wrote its claim (a file of the new generation) those writes are
 * refused, and even a write that races the claim lands in an older generation's file,
 * which no reader takes. Every file is a consistent (state, offset) pair, so whichever one
 * a new owner loads, replaying the log from its offset gives the same state.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { deserialize, serialize } from "node:v8";

/** One partition's checkpoint. `state` maps a stateful node's checkpoint name to its entries for this partition. */
export interface PartitionCheckpoint {
  readonly topic: string;
  readonly partition: number;
  readonly generation: number;
  /** The next offset to read. */
  readonly offset: number;
  /** The batch time after which it was written (ms), for logs. */
  readonly batchTimeMs: number;
  readonly memberId: string;
  readonly state: Readonly<Record<string, ReadonlyArray<readonly unknown[]>>>;
}

const FORMAT = 1;
const NAME = /^g(\d{9,})\.ckpt$/;
const fileName = (generation: number): string => `g${String(generation).padStart(9, "0")}.ckpt`;

/** What a write did: written, or refused because a newer generation owns the partition. */
export type WriteOutcome = { readonly written: true } | { readonly written: false; readonly newerGeneration: number };

export class PartitionStore {
  readonly root: string;
  #seq = 0;

  constructor(directory: string, groupId: string) {
    this.root = join(directory, encodeURIComponent(groupId));
  }

  #dir(topic: string, partition: number): string {
    return join(this.root, `${encodeURIComponent(topic)}-${partition}`);
  }

  async #generations(dir: string): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return [];
      throw error;
    }
    return names.map((n) => NAME.exec(n)).filter((m) => m !== null).map((m) => Number(m![1])).sort((a, b) => b - a);
  }

  /** The newest checkpoint of a partition, if any. */
  async read(topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    const dir = this.#dir(topic, partition);
    for (const generation of await this.#generations(dir)) {
      let bytes: Buffer;
      try {
        bytes = await readFile(join(dir, fileName(generation)));
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") continue; // removed by a newer writer meanwhile
        throw error;
      }
      const decoded = deserialize(bytes) as { format?: number; checkpoint?: PartitionCheckpoint };
      if (decoded.format !== FORMAT || decoded.checkpoint === undefined) {
        throw new Error(`${join(dir, fileName(generation))} is not a dstreams partition checkpoint (format ${String(decoded.format)}): remove the store directory or point scaleOut.store elsewhere`);
      }
      return decoded.checkpoint;
    }
    return undefined;
  }

  /**
   * Writes `checkpoint` as its generation's file, unless a newer generation wrote one
   * (then this member is fenced). Keeps the previous generation's file too, deletes older ones.
   */
  async write(checkpoint: PartitionCheckpoint): Promise<WriteOutcome> {
    const dir = this.#dir(checkpoint.topic, checkpoint.partition);
    await mkdir(dir, { recursive: true });
    const before = await this.#generations(dir);
    if (before.length > 0 && before[0]! > checkpoint.generation) return { written: false, newerGeneration: before[0]! };
    const target = join(dir, fileName(checkpoint.generation));
    const aside = join(dir, `.${fileName(checkpoint.generation)}.${process.pid}.${this.#seq++}.tmp`);
    const handle = await open(aside, "w");
    try {
      await handle.writeFile(serialize({ format: FORMAT, checkpoint }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(aside, target);
    for (const old of before.filter((g) => g < checkpoint.generation).slice(1)) {
      await unlink(join(dir, fileName(old))).catch(() => undefined);
    }
    return { written: true };
  }
}
