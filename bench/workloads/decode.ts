/**
 * 7. Typed decode: JSON lines decoded with an io-ts codec; 1 line in 100 is invalid
 * (alternately not JSON, and JSON with a field of the wrong type). Each batch outputs
 * the decoded events, then the dead letters (the raw line with a readable report).
 * dstreams uses its `jsonLines(codec)`; the others `JSON.parse` + `codec.is`, and
 * `codec.decode` with io-ts's PathReporter for a rejected line's report (as `jsonLines`
 * does); the tuned loop a hand-written guard instead of the codec.
 */
import { Effect, Stream } from "effect";
import * as t from "io-ts";
import { PathReporter } from "io-ts/lib/PathReporter.js";
import { concatMap, from, map as rxMap, reduce as rxReduce, tap } from "rxjs";
import { foreachRDD, jsonLines } from "../../mod.ts";
import { fingerprint, hashString, mix, Prng } from "../_data.ts";
import { recordsOf, runDStreams, runEffect, runRx } from "../_drivers.ts";
import type { Workload } from "../harness.ts";
import { size, theVocabulary } from "./_common.ts";

const Event = t.type({
  id: t.number,
  user: t.string,
  kind: t.keyof({ click: null, view: null, buy: null }),
  amountCents: t.number,
  tags: t.array(t.string),
});
type Event = t.TypeOf<typeof Event>;

/** A rejected line, as every contender reports it. */
interface Dead {
  readonly raw: string;
  readonly errors: ReadonlyArray<string>;
}

type Out = Event | Dead;

const isDead = (r: Out): r is Dead => typeof (r as { raw?: unknown }).raw === "string";

const KINDS = ["click", "view", "buy"] as const;

const prepare = (batches: number, perBatch: number): { batches: string[][] } => {
  const prng = new Prng(707);
  const words = theVocabulary();
  const out: string[][] = [];
  let id = 0;
  for (let b = 0; b < batches; b++) {
    const batch: string[] = new Array(perBatch);
    for (let i = 0; i < perBatch; i++, id++) {
      const event = {
        id,
        user: `user-${prng.int(50_000)}`,
        kind: KINDS[prng.int(3)],
        amountCents: prng.int(100_000),
        tags: [words[prng.int(1000)], words[prng.int(1000)]],
      };
      const line = JSON.stringify(event);
      // 1 in 100 invalid: alternately cut short (not JSON) and a string amount.
      batch[i] = id % 100 !== 99
        ? line
        : id % 200 === 99
        ? line.slice(0, line.length - 7)
        : JSON.stringify({ ...event, amountCents: String(event.amountCents) });
    }
    out.push(batch);
  }
  return { batches: out };
};

/** Why a line is rejected, as every contender reports it (io-ts's PathReporter). */
const reject = (line: string, value: unknown): Dead => ({ raw: line, errors: PathReporter.report(Event.decode(value)) });

const notJson = (line: string, error: unknown): Dead => ({
  raw: line,
  errors: [`Invalid JSON: ${error instanceof Error ? error.message : String(error)}`],
});

/**
 * The hand loop's and the peers' decoding of one line, as an io-ts user who cares about
 * speed writes it: parse, check `Event.is` (no allocation), and `decode` only a line that
 * fails, for its report (the same order `jsonLines` uses).
 */
const decodeLine = (line: string): Out => {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return notJson(line, error);
  }
  return Event.is(value) ? value : reject(line, value);
};

/** A hand-written guard for `Event` (the tuned loop's): what `Event.is` checks, inline. */
const isEvent = (v: unknown): v is Event => {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  if (typeof o["id"] !== "number" || typeof o["user"] !== "string" || typeof o["amountCents"] !== "number") return false;
  const kind = o["kind"];
  if (kind !== "click" && kind !== "view" && kind !== "buy") return false;
  const tags = o["tags"];
  if (!Array.isArray(tags)) return false;
  for (let i = 0; i < tags.length; i++) if (typeof tags[i] !== "string") return false;
  return true;
};

/** Splits one batch's decoded lines into events and dead letters (in arrival order). */
const split = (outs: ReadonlyArray<Out>): [Event[], Dead[]] => {
  const valid: Event[] = [];
  const dead: Dead[] = [];
  for (const o of outs) (isDead(o) ? dead : valid).push(o as never);
  return [valid, dead];
};

export const typedDecode: Workload<{ readonly batches: string[][] }, Out> = {
  id: "decode",
  title: "7. typed decode",
  unit: "lines",
  prepare: (mode) => prepare(size(mode, 20, 3), size(mode, 10_000, 200)),
  records: (input) => input.batches.reduce((n, b) => n + b.length, 0),
  fingerprint: (input) => fingerprint(input.batches),
  digest: (r) => (isDead(r) ? mix(hashString(r.raw), r.errors.length > 0 ? 1 : 0) : mix(mix(r.id, r.amountCents), hashString(r.user + r.kind + r.tags.join(",")))),
  light: (r) => (isDead(r) ? 1_000_000 : r.amountCents),
  contenders: {
    "hand loop": async ({ batches }, sink) => {
      for (const batch of batches) {
        const valid: Event[] = [];
        const dead: Dead[] = [];
        for (let i = 0; i < batch.length; i++) {
          const o = decodeLine(batch[i]!);
          if (isDead(o)) dead.push(o);
          else valid.push(o);
        }
        sink(valid);
        sink(dead);
      }
    },
    // The limit: JSON.parse and a hand-written guard; io-ts only for a rejected line's report.
    "tuned loop": async ({ batches }, sink) => {
      for (const batch of batches) {
        const valid: Event[] = [];
        const dead: Dead[] = [];
        for (let i = 0; i < batch.length; i++) {
          const line = batch[i]!;
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch (error) {
            dead.push(notJson(line, error));
            continue;
          }
          if (isEvent(value)) valid.push(value);
          else dead.push(reject(line, value));
        }
        sink(valid);
        sink(dead);
      }
    },
    dstreams: ({ batches }, sink) =>
      runDStreams(batches, (input) => {
        const { valid, rejected } = input.pipe(jsonLines(Event));
        valid.pipe(foreachRDD((rdd) => sink(recordsOf(rdd))));
        rejected.pipe(foreachRDD((rdd) => sink(rdd.collect().map((d): Dead => ({ raw: d.raw, errors: d.errors })))));
      }),
    RxJS: ({ batches }, sink) =>
      runRx(from(batches).pipe(
        concatMap((batch) => from(batch).pipe(rxMap(decodeLine), rxReduce((outs: Out[], o) => (outs.push(o), outs), []))),
        tap((outs) => {
          const [valid, dead] = split(outs);
          sink(valid);
          sink(dead);
        }),
      )),
    Effect: ({ batches }, sink) =>
      runEffect(Stream.fromArray(batches).pipe(
        Stream.mapEffect((batch) => Stream.fromArray(batch).pipe(Stream.map(decodeLine), Stream.runCollect)),
        Stream.runForEach((outs) =>
          Effect.sync(() => {
            const [valid, dead] = split(outs);
            sink(valid);
            sink(dead);
          })
        ),
      )),
  },
};
