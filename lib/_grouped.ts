/**
 * The value lists that grouping operations build (`groupByKey`, `groupByKeyAndWindow`,
 * `cogroup`), remembered so that `pprint` shows them as lists, not as tuples: both are
 * arrays in JavaScript, but `(a,[1, 1])` and `(a,(1,1))` mean different things.
 *
 * The mark is a non-enumerable symbol property on the list itself, not membership in a
 * `WeakSet`: a `WeakSet` of every group a large window holds cost microseconds per add
 * once it was large (and grew `groupByKeyAndWindow` faster than its window), while the
 * property costs the same for every list. Being non-enumerable, it is invisible to
 * equality checks, `JSON.stringify` and spreading; a copy of the list is not a group.
 *
 * @module
 */

const GROUP: unique symbol = Symbol("dstreams.group");

const mark: PropertyDescriptor = { value: true, enumerable: false, writable: false, configurable: false };

/** Marks `values` as a group of values (and returns it). */
export const asGroup = <A>(values: ReadonlyArray<A>): ReadonlyArray<A> => {
  if (!Object.isExtensible(values) || Object.prototype.hasOwnProperty.call(values, GROUP)) return values;
  Object.defineProperty(values, GROUP, mark);
  return values;
};

/** True for a list a grouping operation built. */
export const isGroup = (value: object): boolean => (value as { readonly [GROUP]?: true })[GROUP] === true;
