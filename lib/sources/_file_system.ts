/**
 * The file-system calls file streams make, in one object so that tests can count them
 * (e.g. that old files cost no `stat` per batch).
 *
 * @module
 */
import { readdir, readFile, stat } from "node:fs/promises";

/** The asynchronous calls a file stream makes; replace a member to observe it. */
export const fileSystem: { stat: typeof stat; readdir: typeof readdir; readFile: typeof readFile } = { stat, readdir, readFile };
