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
 */
export class LineSplitter {
  #carry: Buffer | undefined;
  #skipLeadingLF = false;
  readonly #onInvalid: (byteCount: number) => void;

  constructor(onInvalid: (byteCount: number) => void) {
    this.#onInvalid = onInvalid;
  }

  /** The lines completed by `chunk`. */
  push(chunk: Uint8Array): string[] {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#carry !== undefined) {
      data = Buffer.concat([this.#carry, data]);
      this.#carry = undefined;
    }
    if (this.#skipLeadingLF && data.length > 0) {
      if (data[0] === LF) data = data.subarray(1);
      this.#skipLeadingLF = false;
    }
    const end = Math.max(data.lastIndexOf(LF), data.lastIndexOf(CR));
    if (end < 0) {
      if (data.length > 0) this.#carry = data;
      return [];
    }
    if (end + 1 < data.length) this.#carry = Buffer.from(data.subarray(end + 1));
    if (data[end] === CR) this.#skipLeadingLF = true;
    // A "\r\n" pair ends one line, not two.
    const stop = data[end] === LF && end > 0 && data[end - 1] === CR ? end - 1 : end;
    const text = this.#decode(data.subarray(0, stop));
    return text.split(text.includes("\r") ? /\r\n|\r|\n/ : "\n");
  }

  /** The last line, if the stream ended without a terminator. */
  end(): string[] {
    const carry = this.#carry;
    this.#carry = undefined;
    this.#skipLeadingLF = false;
    return carry === undefined || carry.length === 0 ? [] : [this.#decode(carry)];
  }

  #decode(bytes: Buffer): string {
    if (!isUtf8(bytes)) this.#onInvalid(bytes.length);
    return bytes.toString("utf8");
  }
}
