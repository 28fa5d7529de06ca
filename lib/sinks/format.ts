/**
 * How `pprint` and `print` show a batch: Spark's block of dashes, the batch time and the
 * first records. `pprint` is PySpark's (`Time: 2014-10-14 15:25:21`, local time), `print`
 * Scala's (`Time: 1413299121000 ms`). Records print as the Spark guide shows them in both
 * languages' tabs: tuples as `(hello,1)`, strings as they are, `Option`s as `Some(x)` and
 * `None`. A list of grouped values (`groupByKey`, `groupByKeyAndWindow`, `cogroup`)
 * prints as `[1, 1]` under `pprint` and as Scala's `CompactBuffer(1, 1)` under `print`,
 * never as a tuple.
 *
 * @module
 */
import type { Time } from "../time/duration.ts";
import { isGroup } from "../_grouped.ts";

/**
 * Whose conventions a record or batch is printed with: `"python"` for `pprint`,
 * `"scala"` for `print`.
 *
 * @category outputs
 * @since 0.2.0
 */
export type PrintStyle = "python" | "scala";

const isOption = (u: object): u is { _tag: "None" } | { _tag: "Some"; value: unknown } => {
  const tag = (u as { _tag?: unknown })._tag;
  return (tag === "None" && Object.keys(u).length === 1) || (tag === "Some" && Object.keys(u).length === 2 && "value" in u);
};

/**
 * Formats one record as `pprint` (style `"python"`, the default) or `print` (style
 * `"scala"`) prints it.
 *
 * @example
 * ```ts
 * import { formatRecord } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * assert.equal(formatRecord(["hello", 1]), "(hello,1)");
 * assert.equal(formatRecord(["a", ["b", 1]]), "(a,(b,1))");
 * ```
 * @category outputs
 * @since 0.1.0
 */
export const formatRecord = (record: unknown, style: PrintStyle = "python"): string => {
  const format = (value: unknown): string => {
    switch (typeof value) {
      case "string":
        return value;
      case "object": {
        if (value === null) return "null";
        if (Array.isArray(value)) {
          if (isGroup(value)) return style === "scala" ? `CompactBuffer(${value.map(format).join(", ")})` : `[${value.map(format).join(", ")}]`;
          return `(${value.map(format).join(",")})`;
        }
        if (isOption(value)) return value._tag === "None" ? "None" : `Some(${format(value.value)})`;
        if (value instanceof Date) return value.toISOString();
        if (value instanceof Map) return `Map(${[...value].map(([k, v]) => `${format(k)} -> ${format(v)}`).join(", ")})`;
        if (value instanceof Set) return `Set(${[...value].map(format).join(", ")})`;
        if (value instanceof Uint8Array) return `Uint8Array(${value.join(", ")})`;
        if (Object.prototype.hasOwnProperty.call(value, "toString") || hasOwnToString(value)) return String(value);
        try {
          return JSON.stringify(value, (_key, v: unknown) => typeof v === "bigint" ? `${v}n` : v);
        } catch {
          return String(value);
        }
      }
      default:
        return String(value);
    }
  };
  return format(record);
};

/** True for class instances whose class defines its own `toString`. */
const hasOwnToString = (record: object): boolean => {
  for (let proto = Object.getPrototypeOf(record) as object | null; proto !== null && proto !== Object.prototype;) {
    if (Object.prototype.hasOwnProperty.call(proto, "toString")) return true;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return false;
};

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/**
 * A batch time as PySpark's `pprint` shows it: Python's `str(datetime)` of the local
 * time, `2014-10-14 15:25:21`, with `.500000` (microseconds) only when the time is not a
 * whole second.
 *
 * @example
 * ```ts
 * import { formatBatchTime, Time } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const local = new Date(2014, 9, 14, 15, 25, 21).getTime(); // 14 October 2014, 15:25:21 here
 * assert.equal(formatBatchTime(new Time(local)), "2014-10-14 15:25:21");
 * assert.equal(formatBatchTime(new Time(local + 500)), "2014-10-14 15:25:21.500000");
 * assert.equal(formatBatchTime(new Time(local), "scala"), `${local} ms`);
 * ```
 * @category outputs
 * @since 0.2.0
 */
export const formatBatchTime = (time: Time, style: PrintStyle = "python"): string => {
  if (style === "scala") return `${time.milliseconds} ms`;
  const d = new Date(time.milliseconds);
  const seconds = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const ms = d.getMilliseconds();
  return ms === 0 ? seconds : `${seconds}.${pad(ms * 1000, 6)}`;
};

/** The dashes around a batch's header: 43, as Spark prints them. */
const DASHES = "-".repeat(43);

/**
 * Formats one batch as `pprint` (style `"python"`, the default) or `print` (`"scala"`)
 * prints it: the dashes, `Time: …`, the dashes, the first `num` records, `...` when
 * there are more, and an empty line.
 *
 * @example
 * ```ts
 * import { formatBatch, Time } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const dashes = "-".repeat(43);
 * assert.equal(formatBatch([["a", 1], ["b", 2]], new Time(1000), 1, "scala"), `${dashes}\nTime: 1000 ms\n${dashes}\n(a,1)\n...\n`);
 * ```
 * @category outputs
 * @since 0.1.0
 */
export const formatBatch = <A>(records: ReadonlyArray<A>, time: Time, num: number, style: PrintStyle = "python"): string => {
  const lines = [DASHES, `Time: ${formatBatchTime(time, style)}`, DASHES];
  for (let i = 0; i < Math.min(num, records.length); i++) lines.push(formatRecord(records[i], style));
  if (records.length > num) lines.push("...");
  lines.push("");
  return lines.join("\n");
};
