/**
 * The key table behind an inverse window: each key's value in a cell, so that a slide
 * updates a present key with one lookup (no second write to the map), knows which keys
 * it changed without a second table, and can be undone if a user function throws.
 *
 * @module
 */
import { KeyMap } from "../rdd/_keys.ts";

/** One key's value in the window, and the slide that last changed it. */
interface Cell<K, V> {
  /** The key as the table holds it (the first one seen with its content). */
  readonly key: K;
  value: V;
  /** The number of the slide that last changed the value (0: none yet). */
  slide: number;
}

/** A key's value in the table, updated in place by each slide; slides can be undone. */
export class WindowTable<K, V> {
  readonly #cells = new KeyMap<K, Cell<K, V>>();
  /** The current slide's number: cells stamped with it changed in this slide. */
  #slide = 0;
  /** The cells this slide changed, each once, in the order first changed. */
  #changed: Array<Cell<K, V>> = [];
  /** What this slide overwrote: a cell and its value before, or a cell it added (`added`). */
  #undoCells: Array<Cell<K, V>> = [];
  #undoValues: V[] = [];
  #undoAdded: boolean[] = [];

  /** A table holding `pairs`, in their order. */
  static of<K, V>(pairs: ReadonlyArray<readonly [K, V]>): WindowTable<K, V> {
    const table = new WindowTable<K, V>();
    for (const [key, value] of pairs) table.#cells.set(key, { key, value, slide: 0 });
    return table;
  }

  /** Starts a slide: what follows can be undone until {@link commit}. */
  begin(): void {
    this.#slide++;
    this.#changed = [];
    this.#undoCells = [];
    this.#undoValues = [];
    this.#undoAdded = [];
  }

  #touch(cell: Cell<K, V>, added: boolean): void {
    if (cell.slide !== this.#slide) {
      cell.slide = this.#slide;
      this.#changed.push(cell);
    }
    this.#undoCells.push(cell);
    this.#undoValues.push(cell.value);
    this.#undoAdded.push(added);
  }

  /** Sets a present key to `f(old)`; an absent key stays absent. */
  update(key: K, value: V, f: (old: V, value: V) => V): void {
    const cell = this.#cells.get(key);
    if (cell === undefined) return;
    const updated = f(cell.value, value);
    this.#touch(cell, false);
    cell.value = updated;
  }

  /** Sets `key` to `f(old, value)` when present, to `value` when absent (added last). */
  merge(key: K, value: V, f: (old: V, value: V) => V): void {
    const cell = this.#cells.get(key);
    if (cell !== undefined) {
      const updated = f(cell.value, value);
      this.#touch(cell, false);
      cell.value = updated;
      return;
    }
    const added: Cell<K, V> = { key, value, slide: 0 };
    this.#cells.set(key, added);
    this.#touch(added, true);
  }

  /** Removes the keys this slide changed whose `[key, value]` fails `keep` (calls it once per key). */
  retainChanged(keep: (kv: readonly [K, V]) => boolean): void {
    const dropped: Array<Cell<K, V>> = [];
    for (const cell of this.#changed) if (!keep([cell.key, cell.value])) dropped.push(cell);
    // Nothing of the user's runs after this: the deletions need no undoing.
    for (const cell of dropped) this.#cells.delete(cell.key);
  }

  /** Puts back what this slide changed (newest change first). */
  undo(): void {
    for (let i = this.#undoCells.length - 1; i >= 0; i--) {
      const cell = this.#undoCells[i]!;
      if (this.#undoAdded[i]!) this.#cells.delete(cell.key);
      else cell.value = this.#undoValues[i]!;
    }
    this.commit();
  }

  /** Ends the slide: its changes stay. */
  commit(): void {
    this.#changed = [];
    this.#undoCells = [];
    this.#undoValues = [];
    this.#undoAdded = [];
  }

  /** Every `[key, value]`, as new pairs, in the table's order (a key added again after leaving comes last). */
  pairs(): Array<readonly [K, V]> {
    const out = new Array<readonly [K, V]>(this.#cells.size);
    let i = 0;
    this.#cells.forEach((cell) => {
      out[i++] = [cell.key, cell.value];
    });
    return out;
  }
}
