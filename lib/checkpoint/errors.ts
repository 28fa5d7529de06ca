/**
 * The errors of the durability layer: each says what rule broke, what was found, and
 * what to do. Recovery throws them; a store or log throws the I/O ones.
 *
 * @module
 */

/**
 * A checkpoint file that cannot be used: truncated, a checksum that does not match, or
 * content that does not decode. Reading the latest checkpoint skips such a file (with a
 * warning naming it) and falls back to the previous one.
 *
 * @category errors
 * @since 0.2.0
 */
export class CheckpointCorruptError extends Error {
  override readonly name = "CheckpointCorruptError";
  /** The file (or store key) that is unusable. */
  readonly file: string;
  /** What is wrong with it, in words. */
  readonly reason: string;

  constructor(file: string, reason: string) {
    super(
      `Checkpoint ${file} is unusable: ${reason}. It was not restored; an older checkpoint is used if there is one (delete the file to silence this)`,
    );
    this.file = file;
    this.reason = reason;
  }
}

/**
 * One reason a checkpoint cannot be restored into today's graph, with the ways out.
 *
 * @category errors
 * @since 0.2.0
 */
export interface Refusal {
  /** The stable name of the node or input, or `"batchInterval"` for the graph's interval. */
  readonly name: string;
  /** What changed. */
  readonly rule:
    | "state-without-node"
    | "kind-changed"
    | "format-changed"
    | "batch-interval-changed"
    | "window-changed"
    | "new-node-not-allowed"
    | "unknown-discard";
  /** The rule, the values and what was recorded, in one sentence. */
  readonly message: string;
  /** The ways out, each a sentence a user can act on. */
  readonly waysOut: ReadonlyArray<string>;
}

/**
 * Recovery found a checkpoint that today's code cannot take over as it is: state whose node
 * is gone, a node whose kind or state format changed, a changed batch interval or window.
 * Lists every refusal, each with its ways out (name the node with `named`, supply a
 * migration function, or `discardState: ["name"]`).
 *
 * @category errors
 * @since 0.2.0
 */
export class CheckpointMismatchError extends Error {
  override readonly name = "CheckpointMismatchError";
  /** Every reason, in the checkpoint's order. */
  readonly refusals: ReadonlyArray<Refusal>;

  constructor(refusals: ReadonlyArray<Refusal>) {
    super(
      `The checkpoint does not fit today's pipeline (${refusals.length} ${refusals.length === 1 ? "problem" : "problems"}):\n` +
        refusals.map((r) => `- ${r.message}\n  Ways out: ${r.waysOut.join("; or ")}`).join("\n"),
    );
    this.refusals = refusals;
  }
}

/**
 * A piece of state the chosen codec cannot keep faithfully: a function, a symbol, a
 * class instance (v8 would keep only its own fields and lose its class), a WeakMap…
 * Thrown when writing a checkpoint, so nothing is silently lost at recovery.
 *
 * @category errors
 * @since 0.2.0
 */
export class UnsupportedStateError extends Error {
  override readonly name = "UnsupportedStateError";
  /** The stable name of the node whose state this is. */
  readonly node: string;
  /** Where in the state the value sits, e.g. `state.get("a").point`. */
  readonly path: string;
  /** What the value is, e.g. `a function (f)`. */
  readonly what: string;

  constructor(node: string, path: string, what: string) {
    super(
      `The state of ${node} cannot be checkpointed: ${path} is ${what}. ` +
        `Checkpointed state may hold primitives (string, number, boolean, bigint, null, undefined), ` +
        `plain objects and arrays (fp-ts Option included), Map, Set, Date, RegExp, ArrayBuffer and typed arrays; ` +
        `store plain data instead, or give the node an io-ts state codec that encodes it`,
    );
    this.node = node;
    this.path = path;
    this.what = what;
  }
}

/**
 * A state that was written but does not decode with today's codec (an io-ts codec refused
 * it, or its format version is newer than today's code knows).
 *
 * @category errors
 * @since 0.2.0
 */
export class StateDecodeError extends Error {
  override readonly name = "StateDecodeError";
  /** The stable name of the node whose state this is. */
  readonly node: string;

  constructor(node: string, detail: string) {
    super(`The checkpointed state of ${node} does not decode: ${detail}`);
    this.node = node;
  }
}

/**
 * The write-ahead log holds a damaged block that is not its torn tail: data after it was
 * acknowledged, so replay stops rather than skip it silently.
 *
 * @category errors
 * @since 0.2.0
 */
export class WalCorruptError extends Error {
  override readonly name = "WalCorruptError";
  /** The segment file. */
  readonly file: string;
  /** The byte offset of the damaged block in that file. */
  readonly offset: number;

  constructor(file: string, offset: number, reason: string) {
    super(
      `Write-ahead log segment ${file} is damaged at byte ${offset} (${reason}) and later blocks follow it. ` +
        `Replay stopped so that no logged record is skipped silently: restore the file from a copy, ` +
        `or open the log with { onCorruptBlock: "skip-segment" } to skip the rest of this segment (its records are lost)`,
    );
    this.file = file;
    this.offset = offset;
  }
}
