/**
 * The one `State` handle a `mapWithState` step reuses for every call (Spark's
 * StateImpl), and the state entries it wraps.
 *
 * @module
 */
import { none, type Option, some } from "fp-ts/lib/Option.js";
import type { State } from "./state_spec.ts";

/** A key's state and the batch time (ms) it was last updated or touched at. */
export interface StateEntry<S> {
  readonly state: S;
  readonly updated: number;
}

/** The one `State` a step reuses for every call (Spark's StateImpl). */
export class StateImpl<S> implements State<S> {
  #state: S | undefined = undefined;
  #defined = false;
  #timingOut = false;
  #updated = false;
  #removed = false;

  exists(): boolean {
    return this.#defined;
  }

  get(): S {
    if (!this.#defined) throw new Error("State is not set: check state.exists() first, or use state.getOption()");
    return this.#state as S;
  }

  getOption(): Option<S> {
    return this.#defined ? some(this.#state as S) : none;
  }

  update(newState: S): void {
    if (this.#removed) {
      throw new Error("Cannot update the state after it has been removed: update() or remove() a key once per call");
    }
    if (this.#timingOut) {
      throw new Error("Cannot update the state that is timing out: the key is removed after this call; return what you need instead");
    }
    this.#state = newState;
    this.#defined = true;
    this.#updated = true;
  }

  remove(): void {
    if (this.#timingOut) {
      throw new Error("Cannot remove the state that is timing out: the key is removed after this call anyway");
    }
    if (this.#removed) throw new Error("Cannot remove the state that has already been removed");
    this.#state = undefined;
    this.#defined = false;
    this.#updated = false;
    this.#removed = true;
  }

  isTimingOut(): boolean {
    return this.#timingOut;
  }

  toString(): string {
    return this.#defined ? String(this.#state) : "<state not set>";
  }

  get isUpdated(): boolean {
    return this.#updated;
  }

  get isRemoved(): boolean {
    return this.#removed;
  }

  /** Prepares the handle for a call about a key whose state is `entry` (none if undefined). */
  wrap(entry: StateEntry<S> | undefined): void {
    this.#state = entry?.state;
    this.#defined = entry !== undefined;
    this.#timingOut = false;
    this.#updated = false;
    this.#removed = false;
  }

  /** Prepares the handle for the last call about a key that timed out. */
  wrapTimingOut(state: S): void {
    this.#state = state;
    this.#defined = true;
    this.#timingOut = true;
    this.#updated = false;
    this.#removed = false;
  }
}

