/**
 * The map side of a keyed step (`reduceByKey`, `combineByKey`), as the driver and the
 * worker threads of `local[n]` both run it: one combiner per key and partition, keys in
 * first-seen order, the partitions merged afterwards on the driver in partition order
 * (Spark's map-side combine). Also which nodes may run there, and the graph's signature
 * the two sides compare.
 *
 * @module
 */
import type { RDD } from "../rdd/rdd.ts";
import { KeyMap, KeyReducer, KeySlots } from "../rdd/_keys.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";
import { type CombineFunctions, CombinedByKeyDStream, type DStreamNode, TransformedDStream } from "../dstream/_node.ts";
import { InputDStream } from "../dstream/_input.ts";
import { CombinedDStream } from "../dstream/multi_stream.ts";
import type { Time } from "../time/duration.ts";
import type { OutputOperation } from "./job_scheduler.ts";

/** One partition's map output: its distinct keys in first-seen order, and their combiners. */
export type MapOutput<K, C> = readonly [ReadonlyArray<K>, ReadonlyArray<C>];

/** The map-side combine of partition `p` of `rdd`; a user function's error is labelled `label` (the node's name). */
export const combinePartition = <K, V, C>(
  rdd: RDD<readonly [K, V]>,
  p: number,
  functions: CombineFunctions<V, C>,
  label: string,
): MapOutput<K, C> => {
  if (functions.isReduce) {
    // reduceByKey: the value is the combiner, merged in place (one lookup per record).
    const f = functions.mergeValue as unknown as (a: V, b: V) => V;
    const combine = (a: V, b: V): V => {
      try {
        return f(a, b);
      } catch (error) {
        throw userFunctionError(label, error);
      }
    };
    const table = new KeyReducer<K, V>();
    rdd.forEachPairIn(p, (k, v) => table.add(k, v, combine));
    // The table's own key and value columns, in first-seen order: the map output as it is.
    return [table.keys, table.values] as unknown as MapOutput<K, C>;
  }
  const { createCombiner, mergeValue } = functions;
  const table = new KeyMap<K, C>();
  let value: V;
  const merge = (c: C): C => {
    try {
      return mergeValue(c, value);
    } catch (error) {
      throw userFunctionError(label, error);
    }
  };
  rdd.forEachPairIn(p, (k, v) => {
    value = v;
    if (!table.update(k, merge)) {
      let c: C;
      try {
        c = createCombiner(value);
      } catch (error) {
        throw userFunctionError(label, error);
      }
      table.set(k, c);
    }
  });
  return split(table.entries());
};

/** Every key's combiner merged over all partitions, keys in first-seen order; the keys first seen in partition p end at `firstSeenEnds[p]`. */
export interface MergedMapSide<K, C> {
  readonly keys: ReadonlyArray<K>;
  readonly combiners: ReadonlyArray<C>;
  readonly firstSeenEnds: ReadonlyArray<number>;
  /** Every key's `hashCodeOf`, when all keys are strings (kept by the table). */
  readonly hashes: Int32Array | undefined;
}

/** No combiner yet from the partitions before the current one. */
const NONE: unique symbol = Symbol("no combiner");

/**
 * The map side of every partition of `rdd` and their merge, on one thread in one pass
 * and one table: the same combiners, from the same calls of the same functions, as
 * {@link combinePartition} of each partition merged in partition order (what the
 * workers' outputs go through), without a table per partition and a second one to merge
 * them. A key keeps its combiner of the partition being read and the merge of the
 * earlier ones; the first record of the key in a later partition folds the former into
 * the latter. Only keys first seen in an earlier partition need that check (their slots
 * are below `older`): the first partition, and every key new in a later one, combine as
 * a plain `reduceByKey` does (checking every record cost a 1k-line batch ≈ 30 µs more).
 */
export const combineAllPartitions = <K, V, C>(
  rdd: RDD<readonly [K, V]>,
  functions: CombineFunctions<V, C>,
  label: string,
): MergedMapSide<K, C> => {
  const { createCombiner, mergeValue, mergeCombiners } = functions;
  const reduce = functions.isReduce;
  const slots = new KeySlots<K>();
  /** Each key's combiner in the partition it was last seen in. */
  const current: C[] = [];
  /** The keys first seen before the current partition: their combiners of the partitions before the one each was last seen in, merged. */
  const earlier: Array<C | typeof NONE> = [];
  /** The keys first seen before the current partition: the partition each was last seen in. */
  let lastSeenIn = new Int32Array(0);
  /** Keys at slots below this one were first seen before the current partition. */
  let older = 0;
  const firstSeenEnds: number[] = [];
  let p = 0;
  const fresh = (v: V): C => (reduce ? v as unknown as C : createCombiner(v));
  const addToOlder = (i: number, v: V): void => {
    if (lastSeenIn[i] === p) {
      current[i] = mergeValue(current[i]!, v);
      return;
    }
    const before = earlier[i]!;
    earlier[i] = before === NONE ? current[i]! : mergeCombiners(before, current[i]!);
    current[i] = fresh(v);
    lastSeenIn[i] = p;
  };
  const add = (k: K, v: V): void => {
    const i = slots.slotOf(k);
    try {
      if (i < older) addToOlder(i, v);
      else if (i === current.length) current.push(fresh(v));
      else current[i] = mergeValue(current[i]!, v);
    } catch (error) {
      throw userFunctionError(label, error);
    }
  };
  for (; p < rdd.numPartitions; p++) {
    if (p > 0) {
      // The keys first seen in the partition before become older ones, last seen there.
      const seen = current.length;
      if (lastSeenIn.length < seen) {
        const grown = new Int32Array(Math.max(seen, 2 * lastSeenIn.length));
        grown.set(lastSeenIn);
        lastSeenIn = grown;
      }
      lastSeenIn.fill(p - 1, older, seen);
      for (let i = older; i < seen; i++) earlier.push(NONE);
      older = seen;
    }
    rdd.forEachPairIn(p, add);
    firstSeenEnds.push(slots.size);
  }
  try {
    // Only older keys can have combiners of earlier partitions.
    for (let i = 0; i < earlier.length; i++) {
      const before = earlier[i]!;
      if (before !== NONE) current[i] = mergeCombiners(before, current[i]!);
    }
  } catch (error) {
    throw userFunctionError(label, error);
  }
  return { keys: slots.keys, combiners: current, firstSeenEnds, hashes: slots.stringHashCodes() };
};

const split = <K, C>(entries: ReadonlyArray<readonly [K, C]>): MapOutput<K, C> => {
  const keys = new Array<K>(entries.length);
  const combiners = new Array<C>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    keys[i] = entry[0];
    combiners[i] = entry[1];
  }
  return [keys, combiners];
};

/**
 * Steps that keep partition `p` a function of the parent's partition `p` alone, with no
 * state and no use of the batch time: they can run on any thread. (`mapPartitions` sees
 * the partition's index, the same on every thread.)
 */
const NARROW_KINDS: ReadonlySet<string> = new Set(["map", "flatMap", "filter", "mapValues", "flatMapValues", "mapPartitions", "glom"]);

/** True when `node`'s records come from inputs through narrow stateless steps and unions only. */
const narrowFromInputs = (node: DStreamNode<unknown>): boolean => {
  if (node instanceof InputDStream) return true;
  // A TransformedDStream itself, not a subclass (`transform`, windows' steps, keyed steps).
  if (node instanceof TransformedDStream && Object.getPrototypeOf(node) === TransformedDStream.prototype && NARROW_KINDS.has(node.kind)) {
    return narrowFromInputs(node.parents[0]!);
  }
  if (node instanceof CombinedDStream && node.kind === "union") return node.parents.every(narrowFromInputs);
  return false;
};

/** The keyed nodes an output reads whose map side can run on worker threads. */
export const mapSideNodes = (outputs: ReadonlyArray<OutputOperation>): ReadonlyArray<CombinedByKeyDStream<unknown, unknown, unknown>> => {
  const found: CombinedByKeyDStream<unknown, unknown, unknown>[] = [];
  const seen = new Set<DStreamNode<unknown>>();
  const visit = (node: DStreamNode<unknown>): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (node instanceof CombinedByKeyDStream && narrowFromInputs(node.parents[0]!)) found.push(node);
    for (const parent of node.parents) visit(parent);
  };
  for (const output of outputs) visit(output.stream);
  return found;
};

/**
 * For each partition of `node`'s RDD at `time` (a node {@link narrowFromInputs}), the
 * input and the input's partition it is computed from (a union lays its parents'
 * partitions one after another).
 */
export const partitionSources = (node: DStreamNode<unknown>, time: Time): Array<readonly [InputDStream<unknown>, number]> => {
  if (node instanceof InputDStream) {
    const n = node.getOrCompute(time)?.numPartitions ?? 0;
    const sources: Array<readonly [InputDStream<unknown>, number]> = new Array(n);
    for (let p = 0; p < n; p++) sources[p] = [node, p];
    return sources;
  }
  if (node instanceof CombinedDStream) return node.parents.flatMap((parent) => partitionSources(parent, time));
  return partitionSources(node.parents[0]!, time);
};

/** Every node the outputs read, directly or through their parents, by id. */
export const nodesReadBy = (outputs: ReadonlyArray<OutputOperation>): Map<number, DStreamNode<unknown>> => {
  const nodes = new Map<number, DStreamNode<unknown>>();
  const visit = (node: DStreamNode<unknown>): void => {
    if (nodes.has(node.id)) return;
    nodes.set(node.id, node);
    for (const parent of node.parents) visit(parent);
  };
  for (const output of outputs) visit(output.stream);
  return nodes;
};

/**
 * What the driver and each worker compare before a batch runs: every node an output
 * reads, by creation order, with its kind, name and parents. Both sides built it with
 * the same code, so ids (creation order within the context) and names agree.
 */
export const graphSignature = (outputs: ReadonlyArray<OutputOperation>): ReadonlyArray<string> => {
  const nodes = nodesReadBy(outputs);
  const lines = [...nodes.values()].sort((a, b) => a.id - b.id).map((node) =>
    `${node.id} ${node.kind} ${node.name} <- [${node.parents.map((parent) => parent.id).join(",")}]`
  );
  return [...lines, ...outputs.map((output) => `output ${output.id} ${output.name} of ${output.stream.id}`)];
};

/** The first line where two signatures differ, described for an error message. */
export const signatureDifference = (driver: ReadonlyArray<string>, worker: ReadonlyArray<string>): string | undefined => {
  const n = Math.max(driver.length, worker.length);
  for (let i = 0; i < n; i++) {
    if (driver[i] !== worker[i]) return `the driver has ${driver[i] ?? "nothing more"}, the worker has ${worker[i] ?? "nothing more"}`;
  }
  return undefined;
};
