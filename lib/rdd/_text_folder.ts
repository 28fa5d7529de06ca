/**
 * Writes an RDD as a folder of text files, as Spark's `saveAsTextFile` does: shared by
 * `RDD.saveAsTextFile` and the `saveAsTextFiles` output.
 *
 * @module
 */
import { lstat, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { RDD } from "./rdd.ts";
import { formatRecord } from "../sinks/format.ts";

/** Spark's part file name: `part-00000`, `part-00001`, … */
const partFileName = (partition: number): string => `part-${String(partition).padStart(5, "0")}`;

const errorCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

/**
 * Writes one RDD as a folder at `path`: a `part-NNNNN` file per partition (one record per
 * line, formatted as `pprint` shows it) and an empty `_SUCCESS`. The folder is written
 * under a hidden temporary name beside `path` and renamed into place, so a reader never
 * sees half a batch; an existing folder at `path` (a replayed batch) is replaced.
 */
export const writeTextFolder = async <A>(rdd: RDD<A>, path: string): Promise<void> => {
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
 * Spark's `saveAsTextFile(path)`: the folder must not exist yet (Spark refuses to
 * overwrite an output directory).
 */
export const saveAsNewTextFolder = async <A>(rdd: RDD<A>, path: string): Promise<void> => {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`saveAsTextFile's path must be a folder path such as "out/counts", got ${JSON.stringify(path)}`);
  }
  const existing = await lstat(path).catch((error: unknown) => {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  });
  if (existing !== undefined) {
    throw new Error(`saveAsTextFile: output directory ${path} already exists (Spark never overwrites one): delete it or choose another path`);
  }
  await writeTextFolder(rdd, path);
};
