/**
 * Splits a byte stream into UTF-8 lines, as Java's `BufferedReader.readLine` does:
 * `\n`, `\r\n` and `\r` end a line; a multi-byte character or a line split across
 * reads arrives whole; a final line without a terminator is delivered at the end.
 *
 * @module
 */
import { Buffer, isAscii, isUtf8 } from "node:buffer";

const LF = 0x0a;
const CR = 0x0d;
const lastIndexOfByte = Uint8Array.prototype.lastIndexOf;

/** The longest line kept whole by default: 64 MiB. */
export const DEFAULT_MAX_LINE_BYTES: number = 64 * 1024 * 1024;

/** The start of the last whole UTF-8 character at or before `end` (continuation bytes are 10xxxxxx). */
const characterBoundary = (bytes: Buffer, end: number): number => {
  let i = end;
  while (i > 0 && end - i < 3 && (bytes[i]! & 0xc0) === 0x80) i--;
  return i > 0 ? i : end;
};

/**
 * Complete lines kept as the one text they arrived in, split only when read: a receiver's
 * buffer holds one string per read instead of one per line until a batch takes them.
 * (Hundreds of thousands of small strings waiting for a batch outlive young-generation
 * GCs and get copied and promoted; the one text costs a fraction of that.) `text` has no
 * `\r`, so its lines are exactly `text.split("\n")`.
 */
export class LineBlock {
  /** The lines, each but the last followed by `\n`. */
  readonly text: string;
  /** How many lines `text` holds (at least 1). */
  readonly count: number;

  constructor(text: string, count: number) {
    this.text = text;
    this.count = count;
  }

  /** The lines, as new strings each call. */
  records(): string[] {
    return LineBlock.linesOf(this.text);
  }

  /** The lines of a block's `text` (a worker thread is sent the text alone). */
  static linesOf(text: string): string[] {
    return text.split("\n");
  }
}

/** The lines a read completed: those of `block`, if any, then `lines`. */
export interface CompletedLines {
  readonly block: LineBlock | undefined;
  readonly lines: string[];
}

const NO_LINES: CompletedLines = { block: undefined, lines: [] };

/**
 * Feeds chunks of bytes, returns complete lines. Invalid UTF-8 is decoded with
 * U+FFFD replacement characters and reported through `onInvalid`. A line longer than
 * `maxLineBytes` is not held without limit: it is delivered in pieces of at most that
 * size, cut between characters, and reported through `onLongLine`.
 *
 * A long line that arrives in many chunks is kept as a list of chunks and joined
 * once, when its end arrives: the cost stays linear in the line's length.
 */
export class LineSplitter {
  /** The bytes of the unfinished line, chunk by chunk (copies: callers may reuse theirs). */
  #carry: Buffer[] = [];
  #carryBytes = 0;
  #skipLeadingLF = false;
  readonly #onInvalid: (byteCount: number) => void;
  readonly #onLongLine: (maxLineBytes: number) => void;
  readonly #maxLineBytes: number;

  constructor(
    onInvalid: (byteCount: number) => void,
    onLongLine: (maxLineBytes: number) => void = () => {},
    maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
  ) {
    this.#onInvalid = onInvalid;
    this.#onLongLine = onLongLine;
    this.#maxLineBytes = maxLineBytes;
  }

  /** Keeps `bytes` of the unfinished line; past the limit, hands out whole pieces of it. */
  #hold(bytes: Buffer): string[] {
    this.#carry.push(Buffer.from(bytes));
    this.#carryBytes += bytes.length;
    if (this.#carryBytes <= this.#maxLineBytes) return [];
    let held = Buffer.concat(this.#carry);
    const pieces: string[] = [];
    while (held.length > this.#maxLineBytes) {
      const cut = characterBoundary(held, this.#maxLineBytes);
      pieces.push(this.#decode(held.subarray(0, cut)));
      held = held.subarray(cut);
    }
    this.#onLongLine(this.#maxLineBytes);
    this.#carry = held.length > 0 ? [Buffer.from(held)] : [];
    this.#carryBytes = held.length;
    return pieces;
  }

  /** The lines completed by `chunk`. */
  push(chunk: Uint8Array): string[] {
    const { text, rest } = this.#complete(chunk);
    if (text === undefined) return rest;
    const lines = text.split(text.includes("\r") ? /\r\n|\r|\n/ : "\n");
    return rest.length === 0 ? lines : lines.concat(rest);
  }

  /**
   * The lines completed by `chunk`, as {@link push} gives them, but those that end with
   * `\n` alone kept as one {@link LineBlock}, not split yet.
   */
  pushBlock(chunk: Uint8Array): CompletedLines {
    const { text, rest } = this.#complete(chunk);
    if (text === undefined) return rest.length === 0 ? NO_LINES : { block: undefined, lines: rest };
    if (text.includes("\r")) {
      const lines = text.split(/\r\n|\r|\n/);
      return { block: undefined, lines: rest.length === 0 ? lines : lines.concat(rest) };
    }
    let count = 1;
    for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) count++;
    return { block: new LineBlock(text, count), lines: rest };
  }

  /**
   * What `chunk` completes: the text of the complete lines (up to the last terminator,
   * which it leaves out), if any, then the pieces of an overlong line held.
   */
  #complete(chunk: Uint8Array): { readonly text: string | undefined; readonly rest: string[] } {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#skipLeadingLF && data.length > 0) {
      if (data[0] === LF) data = data.subarray(1);
      this.#skipLeadingLF = false;
    }
    // The last terminator: the last "\n", or a "\r" after it (looked for in the tail
    // only, not the whole chunk). Typed arrays' own lastIndexOf: Deno's Buffer one is
    // a loop in JavaScript, several times slower.
    const lastLF = lastIndexOfByte.call(data, LF);
    const lastCR = lastIndexOfByte.call(data.subarray(lastLF + 1), CR);
    const end = lastCR < 0 ? lastLF : lastLF + 1 + lastCR;
    if (end < 0) return { text: undefined, rest: data.length > 0 ? this.#hold(data) : [] };
    // A "\n" right after this "\r" belongs to it only when the "\r" is the chunk's last byte:
    // after "50%\r100%", a "\n" ends the line "100%".
    if (data[end] === CR && end === data.length - 1) this.#skipLeadingLF = true;
    let head = data.subarray(0, end + 1);
    if (this.#carry.length > 0) {
      head = Buffer.concat([...this.#carry, head]);
      this.#carry = [];
      this.#carryBytes = 0;
    }
    const rest = end + 1 < data.length ? this.#hold(data.subarray(end + 1)) : [];
    // `head` ends with the last terminator. A "\r\n" pair ends one line, not two.
    const last = head.length - 1;
    const stop = head[last] === LF && last > 0 && head[last - 1] === CR ? last - 1 : last;
    return { text: this.#decode(head.subarray(0, stop)), rest };
  }

  /** The last line, if the stream ended without a terminator. */
  end(): string[] {
    const carry = this.#carry;
    this.#carry = [];
    this.#carryBytes = 0;
    this.#skipLeadingLF = false;
    if (carry.length === 0) return [];
    const bytes = carry.length === 1 ? carry[0]! : Buffer.concat(carry);
    return bytes.length === 0 ? [] : [this.#decode(bytes)];
  }

  #decode(bytes: Buffer): string {
    // ASCII decodes to the same string as Latin-1, which Node decodes about five times faster than UTF-8 (bench/README).
    if (isAscii(bytes)) return bytes.toString("latin1");
    if (!isUtf8(bytes)) this.#onInvalid(bytes.length);
    return bytes.toString("utf8");
  }
}
