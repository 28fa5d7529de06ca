/**
 * The value lists that grouping operations build (`groupByKey`, `groupByKeyAndWindow`,
 * `cogroup`), remembered so that `pprint` shows them as lists, not as tuples: both are
 * arrays in JavaScript, but `(a,[1, 1])` and `(a,(1,1))` mean different things.
 *
 * @module
 */

const groups = new WeakSet<object>();

/** Marks `values` as a group of values (and returns it). */
export const asGroup = <A>(values: ReadonlyArray<A>): ReadonlyArray<A> => {
  groups.add(values);
  return values;
};

/** True for a list a grouping operation built. */
export const isGroup = (value: object): boolean => groups.has(value);
