/**
 * Typed records from untrusted input, with io-ts codecs: `decode(codec)` splits a
 * stream into the records that decode (`valid`) and dead letters for the rest
 * (`rejected`: the raw record, a readable error report, the batch time and the source
 * stream), with per-batch `counts` where valid + rejected = received, always.
 * `jsonLines` and `csvLines` parse the common text formats first; a line that does not
 * parse is a dead letter too. Nothing is dropped silently.
 *
 * Each batch is decoded once, lazily, when its outputs run, however many of the three
 * streams are used.
 *
 * @module
 */
import * as t from "io-ts";
import { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import { type DStream, TransformedDStream } from "./dstream.ts";

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/** Longest value shown in an error report, in characters. */
const PREVIEW = 120;

const preview = (u: unknown): string => {
  if (u === undefined) return "undefined";
  let text: string | undefined;
  try {
    text = typeof u === "bigint" ? `${u}n` : JSON.stringify(u);
  } catch {
    text = undefined;
  }
  text ??= String(u);
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}… (${text.length} characters)` : text;
};

/**
 * A record that did not decode: the record as received, why it was rejected (one
 * line per problem, e.g. `Expecting number at ts but instead got: "oops"`), the time
 * of its batch and the name of the stream it came from.
 *
 * @category decoding
 * @since 0.1.0
 */
export class DeadLetter<I = unknown> {
  readonly raw: I;
  readonly errors: ReadonlyArray<string>;
  readonly batchTime: Time;
  readonly source: string;

  constructor(raw: I, errors: ReadonlyArray<string>, batchTime: Time, source: string) {
    this.raw = raw;
    this.errors = errors;
    this.batchTime = batchTime;
    this.source = source;
  }

  /** `DeadLetter(1000 ms, socketTextStream-0: Expecting number at ts but instead got: "oops"; raw: {"ts":"oops"})` */
  toString(): string {
    const raw = typeof this.raw === "string" ? this.raw : preview(this.raw);
    const shown = raw.length > PREVIEW ? `${raw.slice(0, PREVIEW)}… (${raw.length} characters)` : raw;
    return `DeadLetter(${this.batchTime}, ${this.source}: ${this.errors.join("; ")}; raw: ${shown})`;
  }
}

/**
 * One batch's decoding tally: `received = valid + rejected`.
 *
 * @category decoding
 * @since 0.1.0
 */
export class DecodeCounts {
  readonly batchTime: Time;
  readonly received: number;
  readonly valid: number;
  readonly rejected: number;

  constructor(batchTime: Time, valid: number, rejected: number) {
    this.batchTime = batchTime;
    this.received = valid + rejected;
    this.valid = valid;
    this.rejected = rejected;
  }

  /** `received 10, valid 8, rejected 2`, as `pprint` shows it. */
  toString(): string {
    return `received ${this.received}, valid ${this.valid}, rejected ${this.rejected}`;
  }
}

/**
 * What `decode`, `jsonLines` and `csvLines` return: three streams over the same
 * batches.
 *
 * @category decoding
 * @since 0.1.0
 */
export interface Decoded<A, I> {
  /** The records that decoded, as the codec's type. */
  readonly valid: DStream<A>;
  /** One dead letter per record that did not. */
  readonly rejected: DStream<DeadLetter<I>>;
  /** One {@link DecodeCounts} per batch. */
  readonly counts: DStream<DecodeCounts>;
  /** The decoding node's name: its counts are `batchInfo.metrics.get(name)` for listeners. */
  readonly name: string;
}

/**
 * Options for `decode`, `jsonLines` and `csvLines`.
 *
 * @category decoding
 * @since 0.1.0
 */
export interface DecodeOptions {
  /**
   * Check with `codec.is` before decoding, and decode (to build the report) only the
   * records it refuses: about 3× faster on valid records. The default, `"auto"`, does so
   * only for codecs where `is` and `decode` agree and `decode` returns its input
   * unchanged (plain `t.type`, `t.array`, primitives, literals, `t.keyof`, unions,
   * refinements…; not `t.exact`/`t.strict`, which strip keys, nor codecs that convert).
   */
  readonly fastPath?: "auto" | boolean;
}

// -------------------------------------------------------------------------------------
// error reports
// -------------------------------------------------------------------------------------

/**
 * One readable line per io-ts validation error: `Expecting number at ts but instead
 * got: "oops"` (the path is dot-separated; a failed union is reported as a whole; a
 * codec's own message, from `t.failure(u, c, message)`, is used as it is).
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { formatValidationErrors } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const result = t.type({ ts: t.number }).decode({ ts: "oops" });
 * assert.deepEqual(result._tag === "Left" ? formatValidationErrors(result.left) : [], ['Expecting number at ts but instead got: "oops"']);
 * ```
 * @category decoding
 * @since 0.1.0
 */
export const formatValidationErrors = (errors: t.Errors): string[] => {
  const lines = new Set<string>();
  for (const error of errors) lines.add(formatValidationError(error));
  return [...lines];
};

const tagOf = (codec: unknown): string | undefined =>
  typeof codec === "object" && codec !== null && "_tag" in codec ? String((codec as { _tag: unknown })._tag) : undefined;

const formatValidationError = (error: t.ValidationError): string => {
  if (error.message !== undefined) return error.message;
  const context = error.context;
  const keys: string[] = [];
  let expected = context[context.length - 1]?.type.name ?? "a value";
  let actual = error.value;
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1]!;
    const parentTag = tagOf(parent.type);
    if (parentTag === "UnionType") {
      expected = parent.type.name;
      actual = parent.actual;
      break;
    }
    if (parentTag === "IntersectionType") continue;
    keys.push(context[i]!.key);
  }
  const at = keys.length === 0 ? "" : ` at ${keys.join(".")}`;
  return `Expecting ${expected}${at} but instead got: ${preview(actual)}`;
};

// -------------------------------------------------------------------------------------
// the is-first fast path
// -------------------------------------------------------------------------------------

const IDENTITY_LEAVES = new Set([
  "NullType",
  "UndefinedType",
  "VoidType",
  "UnknownType",
  "StringType",
  "NumberType",
  "BigIntType",
  "BooleanType",
  "AnyArrayType",
  "AnyDictionaryType",
  "ObjectType",
  "FunctionType",
  "LiteralType",
  "KeyofType",
  "AnyType",
  "NeverType",
]);

/**
 * True for io-ts codecs whose `decode` returns its input unchanged whenever `is`
 * accepts it, so that `is` can stand in for `decode` on valid records.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodesToItself = (codec: unknown, depth = 0): boolean => {
  if (depth > 32 || typeof codec !== "object" || codec === null) return false;
  const c = codec as { type?: unknown; types?: ReadonlyArray<unknown>; props?: Record<string, unknown>; domain?: unknown; codomain?: unknown };
  const tag = tagOf(codec);
  if (tag !== undefined && IDENTITY_LEAVES.has(tag)) return true;
  switch (tag) {
    case "RefinementType":
    case "ReadonlyType":
    case "ArrayType":
    case "ReadonlyArrayType":
      return decodesToItself(c.type, depth + 1);
    case "InterfaceType":
    case "PartialType":
      return c.props !== undefined && Object.values(c.props).every((p) => decodesToItself(p, depth + 1));
    case "UnionType":
    case "IntersectionType":
    case "TupleType":
      return c.types !== undefined && c.types.every((m) => decodesToItself(m, depth + 1));
    case "DictionaryType":
      return tagOf(c.domain) === "StringType" && decodesToItself(c.codomain, depth + 1);
    default:
      return false; // t.exact / t.strict strip keys; recursive and custom codecs may convert
  }
};

// -------------------------------------------------------------------------------------
// the combinators
// -------------------------------------------------------------------------------------

/** A rejected record inside the decoded batch; users only ever see its dead letter. */
class Rejected<I> {
  readonly dead: DeadLetter<I>;
  constructor(dead: DeadLetter<I>) {
    this.dead = dead;
  }
}

/** Parses a raw record: the value to decode, or the reasons it could not be parsed. */
type Parse<R> = (raw: R) => { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly errors: ReadonlyArray<string> };

/** Returned for a line that is not a record at all (a CSV header row). */
type Skip = typeof SKIP;
const SKIP: unique symbol = Symbol("skip");

const checkCodec = (codec: unknown, where: string): void => {
  if (typeof codec !== "object" || codec === null || typeof (codec as { decode?: unknown }).decode !== "function") {
    throw new TypeError(`${where}'s codec must be an io-ts codec such as t.type({ user: t.string, ts: t.number }), got ${codec === null ? "null" : typeof codec}`);
  }
};

const useFastPath = (codec: object, option: DecodeOptions["fastPath"], where: string): boolean => {
  const hasIs = typeof (codec as { is?: unknown }).is === "function";
  if (option === true && !hasIs) throw new TypeError(`${where}'s fastPath needs a codec with an is method (a t.Type)`);
  if (option === true || option === false) return option;
  if (option !== undefined && option !== "auto") {
    throw new TypeError(`${where}'s fastPath must be "auto", true or false, got ${JSON.stringify(option)}`);
  }
  return hasIs && decodesToItself(codec);
};

const build = <R, A>(
  self: DStream<R>,
  kind: string,
  codec: t.Decoder<unknown, A>,
  options: DecodeOptions,
  parse: Parse<R> | undefined,
  newBatch: () => (raw: R) => R | Skip,
): Decoded<A, R> => {
  const fast = useFastPath(codec, options.fastPath, kind);
  const is = fast ? (codec as unknown as t.Type<A, unknown, unknown>).is : undefined;
  const source = self.name;
  const decoded: TransformedDStream<R, A | Rejected<R>> = new TransformedDStream<R, A | Rejected<R>>(self, kind, (rdd, time) => {
    const prepare = newBatch();
    // Cached, so that any read (even pprint's take) decodes every partition exactly once,
    // and the counts reported for listeners are complete.
    return rdd.mapPartitions((records) => {
      const out: Array<A | Rejected<R>> = [];
      let rejected = 0;
      for (let i = 0; i < records.length; i++) {
        const raw = prepare(records[i]!);
        if (raw === SKIP) continue;
        let value: unknown = raw;
        if (parse !== undefined) {
          const parsed = parse(raw);
          if (!parsed.ok) {
            out.push(new Rejected(new DeadLetter(raw, parsed.errors, time, source)));
            rejected++;
            continue;
          }
          value = parsed.value;
        }
        if (is !== undefined && is(value)) {
          out.push(value);
          continue;
        }
        const result = codec.decode(value);
        if (result._tag === "Right") out.push(result.right);
        else {
          out.push(new Rejected(new DeadLetter(raw, formatValidationErrors(result.left), time, source)));
          rejected++;
        }
      }
      self.context.reportBatchMetrics(decoded, time, { received: out.length, valid: out.length - rejected, rejected });
      return out;
    }).cache();
  });
  const valid = new TransformedDStream<A | Rejected<R>, A>(
    decoded,
    "valid",
    (rdd) => rdd.filter((x): x is A => !(x instanceof Rejected)),
  );
  const rejected = new TransformedDStream<A | Rejected<R>, DeadLetter<R>>(decoded, "rejected", (rdd) =>
    rdd.mapPartitions((records) => {
      const out: Array<DeadLetter<R>> = [];
      for (let i = 0; i < records.length; i++) {
        const x = records[i]!;
        if (x instanceof Rejected) out.push(x.dead as DeadLetter<R>);
      }
      return out;
    }));
  const counts = new TransformedDStream<A | Rejected<R>, DecodeCounts>(decoded, "decodeCounts", (rdd, time) =>
    new RDD<DecodeCounts>(1, (_p, emit) => {
      let good = 0;
      let bad = 0;
      rdd.foreach((x) => {
        if (x instanceof Rejected) bad++;
        else good++;
      });
      emit(new DecodeCounts(time, good, bad));
    }));
  return { valid, rejected, counts, name: decoded.name };
};

const noPreparation = <R>(): ((raw: R) => R) => (raw) => raw;

/**
 * Decodes every record with an io-ts codec.
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { decode, ManualClock, pprint, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * const ssc = new StreamingContext(new SparkContext({ appName: "Decode" }), Seconds(1), { clock: new ManualClock() });
 * const { valid, rejected, counts } = ssc.queueStream<unknown>([[{ ts: 1 }, { ts: "oops" }]]).pipe(decode(t.type({ ts: t.number })));
 * valid.pipe(pprint());
 * ```
 * @category decoding
 * @since 0.1.0
 */
export const decode = <I, A>(codec: t.Decoder<I, A>, options: DecodeOptions = {}): <R extends I>(self: DStream<R>) => Decoded<A, R> => {
  checkCodec(codec, "decode");
  return <R extends I>(self: DStream<R>): Decoded<A, R> =>
    build<R, A>(self, "decode", codec as unknown as t.Decoder<unknown, A>, options, undefined, noPreparation);
};

const parseJson: Parse<string> = (line) => {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch (error) {
    return { ok: false, errors: [`Invalid JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
};

/**
 * Parses each line as JSON, then decodes it; a line that is not JSON is a dead letter
 * (`Invalid JSON: …`), as is a value the codec refuses.
 *
 * @category decoding
 * @since 0.1.0
 */
export const jsonLines = <A>(codec: t.Decoder<unknown, A>, options: DecodeOptions = {}): (self: DStream<string>) => Decoded<A, string> => {
  checkCodec(codec, "jsonLines");
  return (self: DStream<string>): Decoded<A, string> => build<string, A>(self, "jsonLines", codec, options, parseJson, noPreparation);
};

/**
 * Options for {@link csvLines}.
 *
 * @category decoding
 * @since 0.1.0
 */
export interface CsvOptions extends DecodeOptions {
  /**
   * The first line is a header row (default `false`): it gives the field names (unless
   * `columns` does), and lines equal to it later (each file's own header) are skipped.
   * Header rows are not records: they count neither as valid nor as rejected.
   */
  readonly header?: boolean;
  /** The field names, in column order; required without a header row. */
  readonly columns?: ReadonlyArray<string>;
  /** The field separator (default `,`). */
  readonly delimiter?: string;
}

/**
 * Splits one CSV line into fields (RFC 4180 within a line: a field in double quotes may
 * hold the delimiter and `""` for a quote); a description of the problem if it cannot.
 */
const splitCsvLine = (line: string, delimiter: string): string[] | string => {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 0x22 /* " */) {
      const start = i;
      let value = "";
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) return `unterminated quoted field starting at column ${start + 1}`;
        value += line.slice(i, quote);
        if (line.charCodeAt(quote + 1) === 0x22) {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      if (i < n && !line.startsWith(delimiter, i)) return `text after the closing quote of the field at column ${start + 1}`;
      fields.push(value);
    } else {
      const next = line.indexOf(delimiter, i);
      const end = next < 0 ? n : next;
      fields.push(line.slice(i, end));
      i = end;
    }
    if (i >= n) return fields;
    i += delimiter.length;
    if (i >= n) {
      fields.push("");
      return fields;
    }
  }
};

/**
 * Parses each line as CSV into an object keyed by field name (values are strings:
 * use e.g. {@link NumberFromString} in the codec), then decodes it. A line that is not
 * valid CSV, or has the wrong number of fields, is a dead letter. Quoted fields may not
 * span lines.
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { csvLines, NumberFromString } from "@dstreams/dstreams";
 * const people = csvLines(t.type({ name: t.string, age: NumberFromString }), { header: true });
 * ```
 * @category decoding
 * @since 0.1.0
 */
export const csvLines = <A>(codec: t.Decoder<unknown, A>, options: CsvOptions = {}): (self: DStream<string>) => Decoded<A, string> => {
  checkCodec(codec, "csvLines");
  const { header = false, columns, delimiter = "," } = options;
  if (typeof header !== "boolean") throw new TypeError(`csvLines's header must be true or false, got ${typeof header}`);
  if (typeof delimiter !== "string" || delimiter.length === 0 || delimiter.includes('"')) {
    throw new TypeError(`csvLines's delimiter must be a non-empty string without double quotes, got ${JSON.stringify(delimiter)}`);
  }
  if (columns !== undefined && (!Array.isArray(columns) || columns.length === 0 || columns.some((c) => typeof c !== "string"))) {
    throw new TypeError("csvLines's columns must be a non-empty array of field names");
  }
  if (!header && columns === undefined) {
    throw new TypeError("csvLines needs field names: pass { header: true } to read them from the first line, or { columns: [...] }");
  }
  return (self: DStream<string>): Decoded<A, string> => {
    // The header row, once seen; read in batch order, as batches run one at a time.
    let headerLine: string | undefined;
    let names: ReadonlyArray<string> | undefined = columns;
    const newBatch = () => (line: string): string | Skip => {
      if (!header) return line;
      if (headerLine === undefined) {
        headerLine = line;
        if (names === undefined) {
          const fields = splitCsvLine(line, delimiter);
          names = typeof fields === "string" ? undefined : fields;
          if (names === undefined) headerLine = undefined; // not a header: the line is rejected below
          else return SKIP;
        } else {
          return SKIP;
        }
      }
      return line === headerLine ? SKIP : line;
    };
    const parse: Parse<string> = (line) => {
      if (names === undefined) return { ok: false, errors: [`Invalid CSV header row: ${String(splitCsvLine(line, delimiter))}`] };
      const fields = splitCsvLine(line, delimiter);
      if (typeof fields === "string") return { ok: false, errors: [`Invalid CSV: ${fields}`] };
      if (fields.length !== names.length) {
        return { ok: false, errors: [`Expecting ${names.length} fields (${names.join(delimiter)}) but instead got ${fields.length}`] };
      }
      const record: Record<string, string> = {};
      for (let i = 0; i < fields.length; i++) record[names[i]!] = fields[i]!;
      return { ok: true, value: record };
    };
    return build(self, "csvLines", codec, options, parse, newBatch);
  };
};

/**
 * A number written as a string (`"42"`, `"-1.5e3"`), as CSV fields are; an empty or
 * non-numeric string is rejected.
 *
 * @category decoding
 * @since 0.1.0
 */
export const NumberFromString: t.Type<number, string, unknown> = new t.Type<number, string, unknown>(
  "NumberFromString",
  (u): u is number => typeof u === "number",
  (u, c) => {
    if (typeof u !== "string") return t.failure(u, c);
    const n = Number(u);
    return u.trim() === "" || Number.isNaN(n) ? t.failure(u, c) : t.success(n);
  },
  (n) => String(n),
);
