/**
 * Splits a byte stream into UTF-8 lines, as Java's `BufferedReader.readLine` does:
 * `\n`, `\r\n` and `\r` end a line; a multi-byte character or a line split across
 * reads arrives whole; a final line without a terminator is delivered at the end.
 *
 * @module
 */
import { Buffer, isUtf8 } from "node:buffer";

const LF = 0x0a;
const CR = 0x0d;

/**
 * Feeds chunks of bytes, returns complete lines. Invalid UTF-8 is decoded with
 * U+FFFD replacement characters and reported through `onInvalid`.
 *
 * A long line that arrives in many chunks is kept as a list of chunks and joined
 * once, when its end arrives: the cost stays linear in the line's length.
 */
export class LineSplitter {
  /** The bytes of the unfinished line, chunk by chunk (copies: callers may reuse theirs). */
  #carry: Buffer[] = [];
  #skipLeadingLF = false;
  readonly #onInvalid: (byteCount: number) => void;

  constructor(onInvalid: (byteCount: number) => void) {
    this.#onInvalid = onInvalid;
  }

  /** The lines completed by `chunk`. */
  push(chunk: Uint8Array): string[] {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#skipLeadingLF && data.length > 0) {
      if (data[0] === LF) data = data.subarray(1);
      this.#skipLeadingLF = false;
    }
    const end = Math.max(data.lastIndexOf(LF), data.lastIndexOf(CR));
    if (end < 0) {
      if (data.length > 0) this.#carry.push(Buffer.from(data));
      return [];
    }
    if (data[end] === CR) this.#skipLeadingLF = true;
    let head = data.subarray(0, end + 1);
    if (this.#carry.length > 0) {
      head = Buffer.concat([...this.#carry, head]);
      this.#carry = [];
    }
    if (end + 1 < data.length) this.#carry.push(Buffer.from(data.subarray(end + 1)));
    // `head` ends with the last terminator. A "\r\n" pair ends one line, not two.
    const last = head.length - 1;
    const stop = head[last] === LF && last > 0 && head[last - 1] === CR ? last - 1 : last;
    const text = this.#decode(head.subarray(0, stop));
    return text.split(text.includes("\r") ? /\r\n|\r|\n/ : "\n");
  }

  /** The last line, if the stream ended without a terminator. */
  end(): string[] {
    const carry = this.#carry;
    this.#carry = [];
    this.#skipLeadingLF = false;
    if (carry.length === 0) return [];
    const bytes = carry.length === 1 ? carry[0]! : Buffer.concat(carry);
    return bytes.length === 0 ? [] : [this.#decode(bytes)];
  }

  #decode(bytes: Buffer): string {
    if (!isUtf8(bytes)) this.#onInvalid(bytes.length);
    return bytes.toString("utf8");
  }
}
