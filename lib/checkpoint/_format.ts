/**
 * The checkpoint format: what one checkpoint of batch `t` holds, as bytes. Private to
 * lib/checkpoint; a store keeps these bytes (and checks them with its own checksum).
 *
 * Layout: frames of `[u32 length][bytes]`. The first frame is a UTF-8 JSON header (format
 * version, batch time, graph shape, pending batch times, and per entry its name, role, kind,
 * state format version and codec id); then one frame per entry, in the header's order.
 *
 * @module
 */
import type { GraphShape, NodeShape } from "./_compatibility.ts";
import { nextTurn } from "./_fs.ts";
import { StateDecodeError } from "./errors.ts";
import type { StateCodec } from "./state_codec.ts";

export const FORMAT_VERSION = 1;

export interface EntryHeader extends NodeShape {
  /** The codec that wrote the bytes. */
  readonly codec: string;
}

export interface CheckpointHeader {
  readonly format: number;
  readonly batchTimeMs: number;
  /** The time before the first batch of the run that wrote it (kept across recoveries). */
  readonly zeroTimeMs?: number;
  /**
   * The batch whose state the checkpoint relies on: the checkpoint of that time holds it
   * (this one, when equal to `batchTimeMs`); the batches after it are generated again at
   * recovery. Absent: `batchTimeMs`.
   */
  readonly stateTimeMs?: number;
  readonly graph: Omit<GraphShape, "nodes">;
  /** Batch times generated but not completed, oldest first: regenerated at recovery. */
  readonly pendingBatchesMs: ReadonlyArray<number>;
  readonly entries: ReadonlyArray<EntryHeader>;
}

/** One node's or input's piece: encoded only when the writer reaches it. */
export interface CheckpointPiece<S = unknown> extends NodeShape {
  readonly codec: StateCodec<S>;
  readonly state: S;
}

export interface DecodedCheckpoint {
  readonly header: CheckpointHeader;
  /** Each entry's bytes, by name. */
  readonly bytes: ReadonlyMap<string, Uint8Array>;
}

/**
 * The checkpoint as chunks. Each piece is encoded when reached, and the event loop gets a
 * turn between pieces, so a large checkpoint blocks it for one piece's encoding at most.
 */
export async function* encodeCheckpoint(
  meta: Omit<CheckpointHeader, "format" | "entries">,
  pieces: ReadonlyArray<CheckpointPiece>,
): AsyncIterable<Uint8Array> {
  const header: CheckpointHeader = {
    format: FORMAT_VERSION,
    ...meta,
    entries: pieces.map(({ name, role, kind, codec }) => ({ name, role, kind, version: codec.version, codec: codec.id })),
  };
  yield* frame(new TextEncoder().encode(JSON.stringify(header)));
  for (const piece of pieces) {
    await nextTurn();
    const { codec } = piece;
    if (codec.encodePieces === undefined) {
      yield* frame(codec.encode(piece.state, piece.name));
      continue;
    }
    // Encoded slice by slice, a turn of the event loop between slices; framed once all are known.
    const parts: Uint8Array[] = [];
    let length = 0;
    for (const part of codec.encodePieces(piece.state, piece.name)) {
      parts.push(part);
      length += part.length;
      await nextTurn();
    }
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, length);
    yield header;
    yield* parts;
  }
}

function* frame(bytes: Uint8Array): Iterable<Uint8Array> {
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, bytes.length);
  yield length;
  yield bytes;
}

/** Reads a checkpoint's bytes; throws on anything malformed (the store then falls back). */
export const decodeCheckpoint = (bytes: Uint8Array): DecodedCheckpoint => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new Error(`a frame header is cut at byte ${at}`);
    const length = view.getUint32(at);
    if (at + 4 + length > bytes.length) throw new Error(`a frame of ${length} bytes at byte ${at} runs past the end`);
    frames.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  const [first, ...rest] = frames;
  if (first === undefined) throw new Error("it has no header");
  const header = parseHeader(new TextDecoder("utf-8", { fatal: true }).decode(first));
  if (rest.length !== header.entries.length) {
    throw new Error(`its header lists ${header.entries.length} entries but ${rest.length} follow`);
  }
  return { header, bytes: new Map(header.entries.map((entry, i) => [entry.name, rest[i]!])) };
};

/** One entry's state, decoded by today's codec (which migrates an older version if it can). */
export const restoreState = <S>(checkpoint: DecodedCheckpoint, name: string, codec: StateCodec<S>): S => {
  const entry = checkpoint.header.entries.find((e) => e.name === name);
  const bytes = checkpoint.bytes.get(name);
  if (entry === undefined || bytes === undefined) throw new StateDecodeError(name, "the checkpoint holds no state of that name");
  return codec.decode(bytes, entry.version, name);
};

const parseHeader = (text: string): CheckpointHeader => {
  const header: unknown = JSON.parse(text);
  const ok = typeof header === "object" && header !== null && "format" in header && "entries" in header &&
    "batchTimeMs" in header && "graph" in header && "pendingBatchesMs" in header && Array.isArray(header.entries);
  if (!ok) throw new Error("its header is not a checkpoint header");
  const format = (header as { format: unknown }).format;
  if (format !== FORMAT_VERSION) {
    throw new Error(`it is in checkpoint format ${String(format)}, this version of dstreams reads format ${FORMAT_VERSION}`);
  }
  return header as CheckpointHeader;
};
