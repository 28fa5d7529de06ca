/**
 * The table of a `join`: each key's first value on each side in columns at the key's
 * slot, further values in lists kept aside. Most keys have one value a side, so a join
 * of n keys allocates no object per key (with a cell object per key, garbage collection
 * took 20 % of a 100k-key join's time).
 *
 * @module
 */
import { keepShapeOf } from "../_shapes.ts";
import { KeySlots } from "./_keys.ts";

export class JoinTable<K, V, W> extends KeySlots<K> {
  /** Each key's first left value (undefined when it has none: see `leftCounts`). */
  readonly #lefts: Array<V | undefined> = [];
  readonly #leftCounts: number[] = [];
  /** A key's left values after its first, by slot. */
  readonly #moreLefts = new Map<number, V[]>();
  readonly #rights: Array<W | undefined> = [];
  readonly #rightCounts: number[] = [];
  readonly #moreRights = new Map<number, W[]>();

  /** Adds a value of the left side to `key`. */
  addLeft(key: K, v: V): void {
    const i = this.slotOf(key);
    const counts = this.#leftCounts;
    if (i === counts.length) {
      this.#lefts.push(v);
      counts.push(1);
      this.#rights.push(undefined);
      this.#rightCounts.push(0);
    } else if (counts[i] === 0) {
      this.#lefts[i] = v;
      counts[i] = 1;
    } else {
      moreAt(this.#moreLefts, i).push(v);
      counts[i]!++;
    }
  }

  /** Adds a value of the right side to `key`. */
  addRight(key: K, w: W): void {
    const i = this.slotOf(key);
    const counts = this.#rightCounts;
    if (i === counts.length) {
      this.#rights.push(w);
      counts.push(1);
      this.#lefts.push(undefined);
      this.#leftCounts.push(0);
    } else if (counts[i] === 0) {
      this.#rights[i] = w;
      counts[i] = 1;
    } else {
      moreAt(this.#moreRights, i).push(w);
      counts[i]!++;
    }
  }

  /** Pushes `[key, [v, w]]` for every left `v` and right `w` of slot `i`, left values outermost (as Spark's cogroup-then-flatMap). */
  pairsInto(i: number, out: Array<readonly [K, readonly [V, W]]>): void {
    const nl = this.#leftCounts[i]!;
    const nr = this.#rightCounts[i]!;
    if (nl === 0 || nr === 0) return;
    const key = this.keys[i]!;
    if (nl === 1 && nr === 1) {
      out.push([key, [this.#lefts[i] as V, this.#rights[i] as W]]);
      return;
    }
    const lefts = [this.#lefts[i] as V, ...(this.#moreLefts.get(i) ?? [])];
    const rights = [this.#rights[i] as W, ...(this.#moreRights.get(i) ?? [])];
    for (let a = 0; a < nl; a++) for (let b = 0; b < nr; b++) out.push([key, [lefts[a]!, rights[b]!]]);
  }
}

const moreAt = <T>(more: Map<number, T[]>, i: number): T[] => {
  let list = more.get(i);
  if (list === undefined) more.set(i, list = []);
  return list;
};

// One instance keeps its hidden class alive between batches (see lib/_shapes.ts).
keepShapeOf(new JoinTable());
