/**
 * `saveAsTextFiles`: one folder of text files per batch, as Spark writes them.
 *
 * @module
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import type { DStream } from "../dstream/dstream.ts";
import { nodeOf } from "../dstream/_node.ts";
import { dual } from "../dstream/_dual.ts";
import { formatRecord } from "./format.ts";

/**
 * The folder name of a batch, as Spark's `rddToFileName` makes it: the batch time in
 * milliseconds, after `prefix-` when the prefix is not empty, and followed by `.suffix`
 * when the suffix is not empty.
 *
 * @example
 * ```ts
 * import { rddToFileName, Time } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * assert.equal(rddToFileName("out/counts", "txt", new Time(1000)), "out/counts-1000.txt");
 * assert.equal(rddToFileName("", undefined, new Time(1000)), "1000");
 * ```
 * @category outputs
 * @since 0.1.0
 */
export const rddToFileName = (prefix: string, suffix: string | undefined, time: Time): string => {
  let name = String(time.milliseconds);
  if (prefix !== "") name = `${prefix}-${name}`;
  if (suffix !== undefined && suffix !== "") name = `${name}.${suffix}`;
  return name;
};

/** Spark's part file name: `part-00000`, `part-00001`, … */
const partFileName = (partition: number): string => `part-${String(partition).padStart(5, "0")}`;

const errorCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

/**
 * Writes one RDD as a folder at `path`: a `part-NNNNN` file per partition (one record per
 * line, formatted as `pprint` shows it) and an empty `_SUCCESS`. The folder is written
 * under a hidden temporary name beside `path` and renamed into place, so a reader never
 * sees half a batch; an existing folder at `path` (a replayed batch) is replaced.
 */
const writeTextFolder = async <A>(rdd: RDD<A>, path: string): Promise<void> => {
  const partitions = rdd.collectPartitions();
  const parent = dirname(path);
  const name = basename(path);
  await mkdir(parent, { recursive: true });
  const temporary = join(parent, `.${name}.tmp-${globalThis.crypto.randomUUID()}`);
  await mkdir(temporary);
  try {
    await Promise.all(partitions.map((records, p) => {
      let text = "";
      for (const record of records) text += formatRecord(record) + "\n";
      return writeFile(join(temporary, partFileName(p)), text);
    }));
    await writeFile(join(temporary, "_SUCCESS"), "");
    try {
      await rename(temporary, path);
    } catch (error) {
      const code = errorCode(error);
      if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "EPERM" && code !== "ENOTDIR" && code !== "EISDIR") throw error;
      // A replay of the batch: move the old folder aside, put the new one in place, delete the old.
      const old = join(parent, `.${name}.old-${globalThis.crypto.randomUUID()}`);
      await rename(path, old);
      await rename(temporary, path);
      await rm(old, { recursive: true, force: true });
    }
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
};

/**
 * Saves every batch as a folder of text files named `prefix-<batch time in ms>[.suffix]`
 * (Spark's `saveAsTextFiles`): one `part-NNNNN` file per partition, one record per line
 * in Spark's `toString` form (`(a,1)` for a pair), and an empty `_SUCCESS` file. Each
 * folder appears whole (written aside, then renamed); a folder already there for the same
 * batch is replaced. Missing parent folders are created.
 *
 * @example
 * ```ts
 * import { rddToFileName, saveAsTextFiles, Time } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const save = saveAsTextFiles("out/counts", "txt"); // pipe(wordCounts, save)
 * // the batch at 1000 ms goes to the folder out/counts-1000.txt: part-00000, …, _SUCCESS
 * assert.equal(rddToFileName("out/counts", "txt", new Time(1000)), "out/counts-1000.txt");
 * assert.equal(typeof save, "function");
 * ```
 * @category outputs
 * @since 0.1.0
 */
export const saveAsTextFiles: {
  (prefix: string, suffix?: string): <A>(self: DStream<A>) => void;
  <A>(self: DStream<A>, prefix: string, suffix?: string): void;
} = dual(
  <A>(self: DStream<A>, prefix: string, suffix?: string): void => {
    checkNames(prefix, suffix);
    const node = nodeOf(self, "saveAsTextFiles");
    node.context.registerOutput(node, "saveAsTextFiles", (rdd, time) => writeTextFolder(rdd, rddToFileName(prefix, suffix, time)));
  },
  undefined,
  (prefix: unknown, suffix: unknown) => checkNames(prefix, suffix),
);

const checkNames = (prefix: unknown, suffix: unknown): void => {
  if (typeof prefix !== "string") {
    throw new TypeError(`saveAsTextFiles's prefix must be a string (a path such as "out/counts"), got ${typeof prefix}`);
  }
  if (suffix !== undefined && typeof suffix !== "string") {
    throw new TypeError(`saveAsTextFiles's suffix must be a string such as "txt", got ${typeof suffix}`);
  }
};
