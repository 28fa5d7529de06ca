/**
 * Partitions whose records may be held packed (a receiver's socket reads, a text file's
 * lines as one text) until a thread reads them: the RDD over them, and the form a
 * `local[n]` worker thread is sent (packed lines as their text, split on the worker).
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import type { ShippedPartition } from "../dstream/_input.ts";
import { LineBlock } from "./line_splitter.ts";

/** Records held in a compact form until read (a socket read's lines as one text): `records()` makes them, anew each call. */
export interface PackedRecords<T> {
  readonly count: number;
  records(): T[];
}

/** A piece of a partition: records, or packed records. */
export type Stored<T> = T[] | PackedRecords<T>;

/** One partition: one array, or the pieces to read in order. */
export type TakenRecords<T> = { readonly array: T[] } | { readonly pieces: ReadonlyArray<Stored<T>>; readonly count: number };

/** How many records a partition holds. */
export const recordCountOf = <T>(block: TakenRecords<T>): number => ("array" in block ? block.array.length : block.count);

/** The records of one partition, read in order (packed pieces unpacked as they are read). */
const forEachRecordOf = <T>(block: TakenRecords<T>, emit: (record: T) => void): void => {
  if ("array" in block) {
    const records = block.array;
    for (let i = 0; i < records.length; i++) emit(records[i]!);
    return;
  }
  const pieces = block.pieces;
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k]!;
    const records = Array.isArray(piece) ? piece : piece.records();
    for (let i = 0; i < records.length; i++) emit(records[i]!);
  }
};

/** True when some partition holds packed pieces. */
export const holdsPacked = <T>(blocks: ReadonlyArray<TakenRecords<T>>): boolean => blocks.some((block) => !("array" in block));

/**
 * The RDD of `blocks`, one partition each; one empty partition when there are none.
 * Packed pieces are unpacked each time a partition is read: a stream read more than once
 * is cached by the graph (so they are unpacked once), and one read once lets its records
 * go as soon as they are used. Without packed pieces (`packed` false), the arrays as they are.
 */
export const rddOfBlocks = <T>(blocks: ReadonlyArray<TakenRecords<T>>, packed: boolean): RDD<T> => {
  if (blocks.length === 0) return RDD.fromArray<T>([]);
  if (!packed) return RDD.fromPartitions(blocks.map((block) => (block as { readonly array: T[] }).array));
  return new RDD<T>(blocks.length, (p, emit) => forEachRecordOf(blocks[p]!, emit));
};

/** A partition as a worker thread is sent it: packed lines as their text, unsplit. */
export const shippedBlock = (block: TakenRecords<unknown>): ShippedPartition => {
  if ("array" in block) return { count: block.array.length, pieces: [block.array] };
  const pieces = block.pieces.map((piece) => (Array.isArray(piece) ? piece : piece instanceof LineBlock ? piece.text : piece.records()));
  return { count: block.count, pieces };
};
