/**
 * Clocks drive batch times. Real runs use {@link SystemClock}; tests use
 * {@link ManualClock} and advance it, awaiting the batches it triggers.
 *
 * @module
 */
import type { Duration } from "./duration.ts";

/**
 * What the scheduler needs from a clock.
 *
 * @category model
 * @since 0.1.0
 */
export interface Clock {
  /** The current time in milliseconds. */
  now(): number;
  /**
   * Resolves `true` once the clock reads `time` or later, or `false` as soon as
   * `signal` aborts.
   */
  sleepUntil(time: number, signal: AbortSignal): Promise<boolean>;
  /**
   * Resolves `true` once `ms` milliseconds have passed on this clock, or `false` as soon
   * as `signal` aborts (at once if it already has). Receiver restarts wait with it, so
   * that under a `ManualClock` they happen when the test advances the clock.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

const NEVER_ABORTED: AbortSignal = new AbortController().signal;

const checkSleep = (ms: number): number => {
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0) {
    throw new RangeError(`A clock's sleep needs a non-negative number of milliseconds, got ${String(ms)}`);
  }
  return ms;
};

/**
 * Work driven by a manual clock (a context's scheduler) registers how to await it,
 * so that `advance` resolves only when that work has caught up.
 *
 * @category model
 * @since 0.1.0
 */
export interface DrivenByClock {
  /** Resolves when every batch due at or before `now` has finished. */
  caughtUp(now: number): Promise<void>;
}

/**
 * Wall-clock time, for real runs.
 *
 * @category constructors
 * @since 0.1.0
 */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal: AbortSignal = NEVER_ABORTED): Promise<boolean> {
    return this.sleepUntil(Date.now() + checkSleep(ms), signal);
  }

  sleepUntil(time: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const check = () => {
        const wait = time - Date.now();
        if (wait <= 0) {
          signal.removeEventListener("abort", onAbort);
          resolve(true);
        } else {
          // Timers may fire a millisecond early: check again rather than trust them.
          timer = setTimeout(check, wait);
        }
      };
      signal.addEventListener("abort", onAbort, { once: true });
      check();
    });
  }
}

interface Sleeper {
  readonly time: number;
  readonly resolve: (reached: boolean) => void;
}

/**
 * A clock that moves only when told, for tests: `await clock.advance(Seconds(1))`
 * runs every batch that falls due and resolves once they have all finished.
 *
 * @example
 * ```ts
 * import { ManualClock, Seconds } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * await clock.advance(Seconds(2));
 * assert.equal(clock.now(), 2000);
 * ```
 * @category constructors
 * @since 0.1.0
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #sleepers = new Set<Sleeper>();
  readonly #driven = new Set<DrivenByClock>();

  constructor(startTime = 0) {
    if (!Number.isSafeInteger(startTime)) {
      throw new RangeError(`ManualClock's startTime must be a whole number of milliseconds, got ${String(startTime)}`);
    }
    this.#now = startTime;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal: AbortSignal = NEVER_ABORTED): Promise<boolean> {
    return this.sleepUntil(this.#now + checkSleep(ms), signal);
  }

  sleepUntil(time: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (time <= this.#now) return Promise.resolve(true);
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        time,
        resolve: (reached) => {
          this.#sleepers.delete(sleeper);
          signal.removeEventListener("abort", onAbort);
          resolve(reached);
        },
      };
      const onAbort = () => sleeper.resolve(false);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.add(sleeper);
    });
  }

  /** Moves the clock forward by `by` and awaits every batch that falls due. */
  advance(by: Duration | number): Promise<void> {
    const ms = typeof by === "number" ? by : by.milliseconds;
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new RangeError(`ManualClock.advance needs a non-negative whole number of milliseconds, got ${String(ms)}`);
    }
    return this.setTime(this.#now + ms);
  }

  /** Sets the clock to `time` (never backwards) and awaits every batch that falls due. */
  setTime(time: number): Promise<void> {
    if (!Number.isSafeInteger(time) || time < this.#now) {
      throw new RangeError(`ManualClock cannot go back in time: it reads ${this.#now}, asked for ${String(time)}`);
    }
    this.#now = time;
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.time <= time) sleeper.resolve(true);
    }
    if (this.#driven.size === 1) for (const work of this.#driven) return work.caughtUp(time);
    return Promise.all([...this.#driven].map((work) => work.caughtUp(time))).then(() => {});
  }

  /**
   * Registers work driven by this clock; `advance` awaits it. Returns the function
   * that unregisters it.
   */
  drive(work: DrivenByClock): () => void {
    this.#driven.add(work);
    return () => this.#driven.delete(work);
  }
}

/** True for clocks that can report when the work they drive has caught up. */
export const isManualClock = (clock: Clock): clock is ManualClock => clock instanceof ManualClock;
