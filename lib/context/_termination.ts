/**
 * `awaitTermination` and `awaitTerminationOrTimeout`: promises that settle when the
 * context stops (or the first error after the call is reported), or when a timeout passes.
 *
 * @module
 */
import { Duration } from "../time/duration.ts";
import { describeValue } from "../_describe.ts";

/** A timeout given as a `Duration` or milliseconds, checked. */
export const timeoutMilliseconds = (timeout: unknown, where: string): number => {
  const ms = timeout instanceof Duration ? timeout.milliseconds : timeout;
  if (typeof ms !== "number" || !(ms >= 0)) {
    throw new RangeError(`${where}'s timeout must be a non-negative Duration or number of milliseconds, got ${describeValue(timeout)}: e.g. Seconds(10)`);
  }
  return ms;
};

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Who waits for the context to end, and the first error reported. */
export class Termination {
  readonly #waiters = new Set<Waiter>();
  #error: Error | undefined;

  /** The latest error reported, which every later `awaitTermination` rejects with. */
  get error(): Error | undefined {
    return this.#error;
  }

  fail(error: Error): void {
    this.#error = error;
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters.clear();
  }

  resolveAll(): void {
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters.clear();
  }

  /** A promise settled by the next `fail` or `resolveAll`. */
  wait(): Promise<void> {
    return new Promise((resolve, reject) => this.#waiters.add({ resolve, reject }));
  }

  /** `wait()` raced against `ms` milliseconds: `true` when it settled first, `false` when the time ran out. */
  static withTimeout(ended: Promise<void>, ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    return Promise.race([ended.then(() => true), timedOut]).finally(() => clearTimeout(timer));
  }
}
