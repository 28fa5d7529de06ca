/**
 * The keyed steps of the windows, with one cell per key so that a record of a key
 * already seen costs one lookup (no read-then-write of the table): each batch's
 * `reduceByKey` under a window, and the whole window's reduce or grouping (the union of
 * its batches' small per-batch results), so a slide costs in proportion to what the
 * window holds.
 *
 * Each gives exactly what the RDD step Spark's form names gives over the same RDD —
 * the same values, merged in the same order, the keys laid out as its shuffle lays them
 * out (`hashPartitioned`) — without its costs per record: `KeyMap.merge` reads and then
 * writes the table for every record, and `combineByKey`'s `a.concat(b)` copies a key's
 * values again for every batch that holds it (quadratic in the window's length).
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { KeyMap } from "../rdd/_keys.ts";
import { hashPartitioned } from "../rdd/_partitioning.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";
import { asGroup } from "../_grouped.ts";

/** One key's result so far, kept beside its key so that merging into it needs one lookup. */
interface Cell<K, C> {
  readonly key: K;
  value: C;
}

/**
 * An RDD of `numPartitions` partitions computed at its first read, all at once, by
 * `run`; it then holds only its records (what `run` read is released).
 */
const computedOnRead = <B>(numPartitions: number, run: () => ReadonlyArray<ReadonlyArray<B>>): RDD<B> => {
  let pending: (() => ReadonlyArray<ReadonlyArray<B>>) | undefined = run;
  let parts: ReadonlyArray<ReadonlyArray<B>> | undefined;
  return new RDD<B>(numPartitions, (p, emit) => {
    if (parts === undefined) {
      parts = pending!();
      pending = undefined;
    }
    const part = parts[p]!;
    for (let i = 0; i < part.length; i++) emit(part[i]!);
  });
};

/**
 * Reads every record of `rdd` partition by partition into one cell per key: `first`
 * makes a key's cell value, `next` adds a record to it. Returns the cells in the order
 * keys first appeared and, per partition, how many keys had appeared by its end.
 */
const cellsByKey = <K, V, C>(
  rdd: RDD<readonly [K, V]>,
  first: (value: V) => C,
  next: (cell: Cell<K, C>, value: V) => void,
): { cells: Array<Cell<K, C>>; firstSeenEnds: number[] } => {
  const table = new KeyMap<K, Cell<K, C>>();
  const cells: Array<Cell<K, C>> = [];
  const firstSeenEnds: number[] = [];
  const add = (kv: readonly [K, V]): void => {
    const cell = table.get(kv[0]);
    if (cell !== undefined) return next(cell, kv[1]);
    const added: Cell<K, C> = { key: kv[0], value: first(kv[1]) };
    table.set(kv[0], added);
    cells.push(added);
  };
  for (let p = 0; p < rdd.numPartitions; p++) {
    rdd.forEachIn(p, add);
    firstSeenEnds.push(cells.length);
  }
  return { cells, firstSeenEnds };
};

const pairsOf = <K, C>(cells: ReadonlyArray<Cell<K, C>>): Array<readonly [K, C]> => {
  const out = new Array<readonly [K, C]>(cells.length);
  for (let i = 0; i < cells.length; i++) out[i] = [cells[i]!.key, cells[i]!.value];
  return out;
};

/**
 * `rdd.reduceByKey(f, numPartitions, label)`, as `RDD.reduceByKey` computes it (each
 * key's values merged with `f` in the RDD's order, the layout of its shuffle, or none
 * when `rdd` is hash-partitioned alike), with one lookup per record of a key already
 * seen instead of a read and a write.
 */
export const reduceByKeyInCells = <K, V>(
  rdd: RDD<readonly [K, V]>,
  f: (a: V, b: V) => V,
  numPartitions: number,
  label: string,
): RDD<readonly [K, V]> => {
  // `partitionBy` returns the RDD itself when it is hash-partitioned into as many partitions.
  const order = rdd.partitionBy(numPartitions) === rdd ? "arrival" : "hash";
  return computedOnRead(numPartitions, () => {
    const table = new KeyMap<K, Cell<K, V>>();
    const cells: Array<Cell<K, V>> = [];
    const firstSeenEnds: number[] = [];
    const add = (kv: readonly [K, V]): void => {
      const key = kv[0];
      const cell = table.get(key);
      if (cell === undefined) {
        const added: Cell<K, V> = { key, value: kv[1] };
        table.set(key, added);
        cells.push(added);
        return;
      }
      try {
        cell.value = f(cell.value, kv[1]);
      } catch (error) {
        throw userFunctionError(label, error);
      }
    };
    for (let p = 0; p < rdd.numPartitions; p++) {
      rdd.forEachIn(p, add);
      firstSeenEnds.push(cells.length);
    }
    return hashPartitioned(pairsOf(cells), numPartitions, order, firstSeenEnds);
  });
};

/**
 * Spark's `groupByKey.window.combineByKey(toBuffer, ++=, ++=)` over a window's union of
 * per-batch groups: each key's values in the union's order (time, then partition), as
 * one new list, marked as a group.
 */
export const groupWindowByKey = <K, V>(
  window: RDD<readonly [K, ReadonlyArray<V>]>,
  numPartitions: number,
): RDD<readonly [K, ReadonlyArray<V>]> =>
  computedOnRead(numPartitions, () => {
    const { cells, firstSeenEnds } = cellsByKey<K, ReadonlyArray<V>, V[]>(window, (vs) => [...vs], (cell, vs) => {
      const values = cell.value;
      for (let i = 0; i < vs.length; i++) values.push(vs[i]!);
    });
    for (const cell of cells) asGroup(cell.value);
    return hashPartitioned(pairsOf(cells), numPartitions, "hash", firstSeenEnds);
  });
