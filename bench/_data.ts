/**
 * Deterministic inputs for the benchmark: a seeded PRNG, a Zipf-like vocabulary, lines
 * of words, keys, JSON lines. Every contender gets the very same arrays (or, in a child
 * process, arrays rebuilt from the same seed: `fingerprint` checks they are the same).
 */

/** sfc32: a small, fast, seeded PRNG; `next()` is uniform in [0, 1). */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  nextUint32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Samples ranks 0..n-1 with probability ∝ 1 / (rank + 1)^s (Zipf's law). */
export class Zipf {
  readonly #cumulative: Float64Array;

  constructor(n: number, s = 1) {
    const cumulative = new Float64Array(n);
    let total = 0;
    for (let r = 0; r < n; r++) {
      total += 1 / Math.pow(r + 1, s);
      cumulative[r] = total;
    }
    for (let r = 0; r < n; r++) cumulative[r] = cumulative[r]! / total;
    this.#cumulative = cumulative;
  }

  sample(prng: Prng): number {
    const u = prng.next();
    const c = this.#cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

/** `size` distinct lowercase words of 2 to 9 letters, in rank order (most frequent first). */
export const vocabulary = (size: number, seed: number): string[] => {
  const prng = new Prng(seed);
  const words = new Set<string>();
  while (words.size < size) {
    const length = 2 + prng.int(8);
    let word = "";
    for (let i = 0; i < length; i++) word += LETTERS[prng.int(26)];
    words.add(word);
  }
  return [...words];
};

/** Batches of lines, each `wordsPerLine` Zipf-distributed words joined by single spaces. */
export const lineBatches = (
  options: { readonly batches: number; readonly linesPerBatch: number; readonly wordsPerLine: number; readonly vocabulary: ReadonlyArray<string>; readonly seed: number },
): string[][] => {
  const { batches, linesPerBatch, wordsPerLine, vocabulary: vocab, seed } = options;
  const prng = new Prng(seed);
  const zipf = new Zipf(vocab.length);
  const out: string[][] = [];
  for (let b = 0; b < batches; b++) {
    const batch: string[] = new Array(linesPerBatch);
    for (let l = 0; l < linesPerBatch; l++) {
      const words: string[] = new Array(wordsPerLine);
      for (let w = 0; w < wordsPerLine; w++) words[w] = vocab[zipf.sample(prng)]!;
      // join() builds a flat string: no contender pays for flattening a rope.
      batch[l] = words.join(" ");
    }
    out.push(batch);
  }
  return out;
};

/** FNV-1a over a string's UTF-16 code units: a cheap 32-bit hash for checks. */
export const hashString = (s: string, seed = 0x811c9dc5): number => {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

/** Mixes two 32-bit numbers into one (order matters). */
export const mix = (a: number, b: number): number => {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/** A fingerprint of generated input, so children can prove they rebuilt the same data. */
export const fingerprint = (batches: ReadonlyArray<ReadonlyArray<unknown>>): string => {
  let h = 0x811c9dc5;
  let n = 0;
  for (const batch of batches) {
    h = mix(h, batch.length);
    // Sample at most 1,000 records per batch: enough to catch a different generator.
    const step = Math.max(1, Math.floor(batch.length / 1000));
    for (let i = 0; i < batch.length; i += step) {
      h = mix(h, hashString(typeof batch[i] === "string" ? (batch[i] as string) : JSON.stringify(batch[i])));
    }
    n += batch.length;
  }
  return `${n}:${h.toString(16)}`;
};
