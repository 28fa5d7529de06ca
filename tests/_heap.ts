/** Heap figures for memory tests: a full garbage collection where the runtime allows one. */
import process from "node:process";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";

/** A full garbage collection where the runtime lets a test ask for one (Node), else undefined. */
export const forceGC: (() => void) | undefined = (() => {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    return typeof gc === "function" ? () => void gc() : undefined;
  } catch {
    return undefined;
  }
})();

/** Heap in use after two full collections (where they can be forced). */
export const heapNow = (): number => {
  forceGC?.();
  forceGC?.();
  return process.memoryUsage().heapUsed;
};
