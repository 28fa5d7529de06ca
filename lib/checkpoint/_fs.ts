/**
 * File-system steps the durability layer shares. Private to lib/checkpoint.
 *
 * @module
 */
import { open } from "node:fs/promises";

/**
 * Makes a directory's entries (a rename, a new or removed file) durable. Where a platform
 * cannot open a directory for syncing (Windows), the rename is as durable as it gets.
 */
export const syncDirectory = async (directory: string): Promise<void> => {
  let handle;
  try {
    handle = await open(directory, "r");
  } catch (error) {
    if (isCode(error, "EISDIR", "EPERM", "EACCES")) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!isCode(error, "EINVAL", "EPERM", "EBADF", "ENOTSUP")) throw error;
  } finally {
    await handle.close();
  }
};

/** True when `error` is a Node system error with one of `codes`. */
export const isCode = (error: unknown, ...codes: ReadonlyArray<string>): boolean =>
  typeof error === "object" && error !== null && "code" in error && codes.includes(String(error.code));

/** Resolves on the next turn of the event loop, so long work lets others run between steps. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The default warning logger: one `WARN` line on standard error, as the SparkContext logs. */
export const stderrWarnings = { warn: (message: string): void => console.error(`WARN ${message}`) };
