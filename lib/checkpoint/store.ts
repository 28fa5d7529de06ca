/**
 * The checkpoint store: where a checkpoint of batch `t` is kept. A small interface so that
 * other stores (object stores, databases) can come as their own entry points; the embedded
 * default is a local directory (`directoryCheckpointStore`).
 *
 * A store deals in bytes: it neither knows nor decodes the checkpoint format. The bytes may
 * come as one array, or as chunks from a (sync or async) iterable, so an encoder can hand
 * them over piece by piece, yielding to the event loop between pieces, or from a worker:
 * a store must consume the chunks in order and must not ask for them all at once.
 *
 * @module
 */
import type { Time } from "../time/duration.ts";

/**
 * What a checkpoint's bytes may come as.
 *
 * @category model
 * @since 0.2.0
 */
export type CheckpointContent = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * One checkpoint a store holds (usable or not: only reading checks it).
 *
 * @category model
 * @since 0.2.0
 */
export interface StoredCheckpoint {
  /** The batch time it was written for. */
  readonly time: Time;
  /** Where it lives, as warnings and errors name it (a path, a key). */
  readonly location: string;
}

/**
 * The newest checkpoint that checks out and decodes.
 *
 * @category model
 * @since 0.2.0
 */
export interface LatestCheckpoint<T> extends StoredCheckpoint {
  /** What `decode` made of its bytes. */
  readonly value: T;
  /** Newer checkpoints that were unusable and skipped, each with a warning. */
  readonly skipped: ReadonlyArray<StoredCheckpoint>;
}

/**
 * Where warnings go (the context's logger has this shape).
 *
 * @category model
 * @since 0.2.0
 */
export interface WarningLogger {
  warn(message: string): void;
}

/**
 * Options of one `CheckpointStore.write`.
 *
 * @category model
 * @since 0.3.0
 */
export interface WriteOptions {
  /**
   * Checkpoints at or after this time are still needed (a later one refers to the state
   * they hold): pruning after this write keeps them, beyond the store's usual count.
   */
  readonly keepFrom?: Time;
}

/**
 * A place to keep checkpoints.
 *
 * @category model
 * @since 0.2.0
 */
export interface CheckpointStore {
  /**
   * Keeps `content` as the checkpoint of batch `time`, replacing one of the same time.
   * Resolves once it is durable; until then (and if the process dies meanwhile) the
   * previous checkpoints stay as they were. Writes are applied in call order.
   */
  write(time: Time, content: CheckpointContent, options?: WriteOptions): Promise<StoredCheckpoint>;
  /** The checkpoint of batch `time` if it is held, intact, and `decode` accepts it; undefined if it is not held. */
  readAt<T>(time: Time, decode: (bytes: Uint8Array, checkpoint: StoredCheckpoint) => T): Promise<T | undefined>;
  /** Every checkpoint held, oldest first. */
  list(): Promise<ReadonlyArray<StoredCheckpoint>>;
  /**
   * The newest checkpoint whose bytes are intact and which `decode` accepts (it throws to
   * refuse one); a newer unusable one is skipped with a warning naming it. Undefined when
   * the store holds none; a `CheckpointCorruptError` when it holds some and none is usable.
   */
  readLatest<T>(decode: (bytes: Uint8Array, checkpoint: StoredCheckpoint) => T): Promise<LatestCheckpoint<T> | undefined>;
  /** Removes all but the newest `keep` checkpoints; resolves to the removed ones. */
  prune(keep: number): Promise<ReadonlyArray<StoredCheckpoint>>;
}
