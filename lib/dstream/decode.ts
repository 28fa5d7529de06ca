/**
 * Typed records from untrusted input, with io-ts codecs: `decode(codec)` splits a
 * stream into the records that decode (`valid`) and dead letters for the rest
 * (`rejected`: the raw record, a readable error report, the batch time and the source
 * stream), with per-batch `counts` where valid + rejected = received, always.
 * `jsonLines` and `csvLines` parse the common text formats first; a line that does not
 * parse is a dead letter too. Nothing is dropped silently.
 *
 * Each batch is decoded once, lazily, when its outputs run, however many of the three
 * streams are used. Dual: `decode(stream, codec)` or `decode(codec)` for `pipe`.
 *
 * @module
 */
import type * as t from "io-ts";
import type { DStream } from "./dstream.ts";
import type { Decoded } from "./dead_letter.ts";
import { dual } from "./_dual.ts";
import { build, checkCodec, noPreparation, type Parse, parseJson, SKIP, type Skip } from "./_decode_node.ts";
import { splitCsvLine } from "./_csv.ts";

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

/**
 * Decodes every record with an io-ts codec.
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { decode, foreachRDD, ManualClock, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext({ appName: "Decode" }), Seconds(1), { clock });
 * const { valid, rejected, counts } = ssc.queueStream<unknown>([[{ ts: 1 }, { ts: "oops" }]]).pipe(decode(t.type({ ts: t.number })));
 * const seen: unknown[] = [];
 * valid.pipe(foreachRDD((rdd) => void seen.push(rdd.collect())));
 * rejected.pipe(foreachRDD((rdd) => void seen.push(rdd.collect().map((dead) => [dead.raw, dead.errors]))));
 * counts.pipe(foreachRDD((rdd) => void seen.push(rdd.collect().map(String))));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [
 *   [{ ts: 1 }],
 *   [[{ ts: "oops" }, ['Expecting number at ts but instead got: "oops"']]],
 *   ["received 2, valid 1, rejected 1"],
 * ]);
 * ```
 * @category decoding
 * @since 0.1.0
 */
export const decode: {
  <I, A>(codec: t.Decoder<I, A>, options?: DecodeOptions): <R extends I>(self: DStream<R>) => Decoded<A, R>;
  <R extends I, I, A>(self: DStream<R>, codec: t.Decoder<I, A>, options?: DecodeOptions): Decoded<A, R>;
} = dual(
  <R, A>(self: DStream<R>, codec: t.Decoder<unknown, A>, options: DecodeOptions = {}): Decoded<A, R> => {
    checkCodec(codec, "decode");
    return build<R, A>(self, "decode", codec, options, undefined, noPreparation);
  },
  undefined,
  (codec: unknown) => checkCodec(codec, "decode"),
);

/**
 * Parses each line as JSON, then decodes it; a line that is not JSON is a dead letter
 * (`Invalid JSON: …`), as is a value the codec refuses.
 *
 * @category decoding
 * @since 0.1.0
 */
export const jsonLines: {
  <A>(codec: t.Decoder<unknown, A>, options?: DecodeOptions): (self: DStream<string>) => Decoded<A, string>;
  <A>(self: DStream<string>, codec: t.Decoder<unknown, A>, options?: DecodeOptions): Decoded<A, string>;
} = dual(
  <A>(self: DStream<string>, codec: t.Decoder<unknown, A>, options: DecodeOptions = {}): Decoded<A, string> => {
    checkCodec(codec, "jsonLines");
    return build<string, A>(self, "jsonLines", codec, options, parseJson, noPreparation);
  },
  undefined,
  (codec: unknown) => checkCodec(codec, "jsonLines"),
);

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

const checkCsv = (codec: unknown, options: CsvOptions = {}): void => {
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
 * import { csvLines, foreachRDD, ManualClock, NumberFromString, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const people = csvLines(t.type({ name: t.string, age: NumberFromString }), { header: true });
 * const { valid, rejected } = ssc.queueStream([["name,age", "ann,31", "bob,old"]]).pipe(people);
 * const seen: unknown[] = [];
 * valid.pipe(foreachRDD((rdd) => void seen.push(rdd.collect())));
 * rejected.pipe(foreachRDD((rdd) => void seen.push(rdd.collect().map((dead) => dead.raw))));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [[{ name: "ann", age: 31 }], ["bob,old"]]);
 * ```
 * @category decoding
 * @since 0.1.0
 */
export const csvLines: {
  <A>(codec: t.Decoder<unknown, A>, options?: CsvOptions): (self: DStream<string>) => Decoded<A, string>;
  <A>(self: DStream<string>, codec: t.Decoder<unknown, A>, options?: CsvOptions): Decoded<A, string>;
} = dual(
  <A>(self: DStream<string>, codec: t.Decoder<unknown, A>, options: CsvOptions = {}): Decoded<A, string> => {
    checkCsv(codec, options);
    const { header = false, columns, delimiter = "," } = options;
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
  },
  undefined,
  checkCsv,
);
