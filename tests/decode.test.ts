/**
 * Typed records with io-ts: valid records, dead letters with readable reports, and
 * counts that add up for every batch; JSON lines and CSV lines with a header row.
 */
import t from "tap";
import fc from "fast-check";
import * as tt from "io-ts";
import {
  csvLines,
  DeadLetter,
  decode,
  DecodeCounts,
  foreachRDD,
  formatValidationErrors,
  jsonLines,
  map,
  NumberFromString,
  pipe,
  pprint,
  Seconds,
  Time,
} from "../mod.ts";
import { decodesToItself } from "../spi.ts";
import type { Decoded, DStream } from "../mod.ts";
import { testContext } from "./_contexts.ts";

const Event = tt.type({
  user: tt.string,
  ts: tt.number,
  kind: tt.keyof({ click: null, view: null }),
  tags: tt.array(tt.string),
});

interface Run<A, I> {
  readonly valid: A[][];
  readonly rejected: DeadLetter<I>[][];
  readonly counts: DecodeCounts[][];
  readonly printed: string[];
}

/** Feeds `batches` through `split`, collecting the three streams and pprint's blocks of the counts. */
const run = async <I, A>(batches: I[][], split: (s: DStream<I>) => Decoded<A, I>): Promise<Run<A, I>> => {
  const { ssc, clock } = testContext();
  const out = split(ssc.queueStream(batches));
  const result: Run<A, I> = { valid: [], rejected: [], counts: [], printed: [] };
  out.valid.pipe(foreachRDD((rdd) => void result.valid.push(rdd.collect())));
  out.rejected.pipe(foreachRDD((rdd) => void result.rejected.push(rdd.collect())));
  out.counts.pipe(foreachRDD((rdd) => void result.counts.push(rdd.collect())));
  out.counts.pipe(pprint(10, { print: (block) => result.printed.push(block) }));
  ssc.start();
  for (let i = 0; i < batches.length; i++) await clock.advance(Seconds(1));
  await ssc.stop();
  return result;
};

t.test("decode splits each batch into valid records and dead letters; the counts add up", async (t) => {
  const good = { user: "ann", ts: 1, kind: "click", tags: ["a"] };
  const r = await run<unknown, tt.TypeOf<typeof Event>>([[good, { ...good, ts: "oops" }, 42], [], [good]], decode(Event));
  t.same(r.valid, [[good], [], [good]]);
  t.same(r.rejected.map((b) => b.length), [2, 0, 0]);
  const dead = r.rejected[0]![0]!;
  t.ok(dead instanceof DeadLetter);
  t.same(dead.raw, { ...good, ts: "oops" }, "the raw record, as received");
  t.same(dead.errors, ['Expecting number at ts but instead got: "oops"']);
  t.equal(dead.batchTime.milliseconds, 1000);
  t.equal(dead.source, "queueStream-0");
  t.match(r.rejected[0]![1]!.errors[0]!, /^Expecting \{ user: string, ts: number, kind: .* \} but instead got: 42$/, "a value that is not an object at all");
  t.same(r.counts.map((b) => b.map((c) => [c.received, c.valid, c.rejected])), [[[3, 1, 2]], [[0, 0, 0]], [[1, 1, 0]]]);
  t.match(r.printed[0]!, /Time: 1970-01-01 \d\d:\d\d:01\n-+\nreceived 3, valid 1, rejected 2\n/, "pprint shows the counts");
  t.match(dead.toString(), /^DeadLetter\(1000 ms, queueStream-0: Expecting number at ts but instead got: "oops"; raw: \{"user":"ann"/);
});

t.test("error reports name the path and the expected type", async (t) => {
  const Nested = tt.type({
    user: tt.type({ name: tt.string, age: tt.union([tt.number, tt.null]) }),
    tags: tt.array(tt.string),
    both: tt.intersection([tt.type({ a: tt.number }), tt.type({ b: tt.string })]),
    n: tt.Int,
  });
  const report = (u: unknown) => {
    const result = Nested.decode(u);
    return result._tag === "Left" ? formatValidationErrors(result.left) : [];
  };
  t.same(report({ user: { name: 1, age: "x" }, tags: ["ok", 2], both: { a: 1, b: 2 }, n: 1.5 }), [
    "Expecting string at user.name but instead got: 1",
    'Expecting (number | null) at user.age but instead got: "x"',
    "Expecting string at tags.1 but instead got: 2",
    "Expecting string at both.b but instead got: 2",
    "Expecting Int at n but instead got: 1.5",
  ]);
  t.same(report({ tags: [], both: { a: 1, b: "" }, n: 1 }), [
    "Expecting { name: string, age: (number | null) } at user but instead got: undefined",
  ], "a missing field");
  const long = report({ user: { name: "x".repeat(500), age: 1 }, tags: "t", both: { a: 1, b: "" }, n: 1 });
  t.same(long, ['Expecting Array<string> at tags but instead got: "t"']);
  const custom = new tt.Type<string, string, unknown>("Upper", (u): u is string => typeof u === "string", (u, c) =>
    typeof u === "string" && u === u.toUpperCase() ? tt.success(u) : tt.failure(u, c, `not upper case: ${String(u)}`), String);
  const customResult = custom.decode("abc");
  t.same(customResult._tag === "Left" ? formatValidationErrors(customResult.left) : [], ["not upper case: abc"], "a codec's own message is kept");
});

t.test("jsonLines: a line that is not JSON is a dead letter too", async (t) => {
  const lines = [
    '{"user":"ann","ts":1,"kind":"view","tags":[]}',
    "{not json",
    '{"user":"bob","ts":"late","kind":"view","tags":[]}',
    "",
    '{"user":"cy","ts":3,"kind":"scroll","tags":[]}',
  ];
  const r = await run([lines], jsonLines(Event));
  t.same(r.valid, [[{ user: "ann", ts: 1, kind: "view", tags: [] }]]);
  t.same(r.rejected[0]!.map((d) => d.raw), [lines[1], lines[2], lines[3], lines[4]], "the raw lines");
  t.match(r.rejected[0]![0]!.errors[0]!, /^Invalid JSON: /);
  t.same(r.rejected[0]![1]!.errors, ['Expecting number at ts but instead got: "late"']);
  t.match(r.rejected[0]![2]!.errors[0]!, /^Invalid JSON: /, "an empty line");
  t.same(r.rejected[0]![3]!.errors, ['Expecting "click" | "view" at kind but instead got: "scroll"']);
  t.same(r.counts, [[new DecodeCounts(new Time(1000), 1, 4)]]);
});

t.test("csvLines with a header row: field names, quoted fields, header rows of later files skipped", async (t) => {
  const Person = tt.type({ name: tt.string, age: NumberFromString, city: tt.string });
  const r = await run(
    [
      ["name,age,city", 'ann,31,"Paris, France"', '"bob ""the builder""",x,Oslo', "cy,40", ""],
      ["name,age,city", 'dee,22,"Rome"', 'eve,5,"unterminated'],
    ],
    csvLines(Person, { header: true }),
  );
  t.same(r.valid, [[{ name: "ann", age: 31, city: "Paris, France" }], [{ name: "dee", age: 22, city: "Rome" }]]);
  t.same(r.rejected.map((b) => b.map((d) => [d.raw, d.errors])), [
    [
      ['"bob ""the builder""",x,Oslo', ['Expecting NumberFromString at age but instead got: "x"']],
      ["cy,40", ["Expecting 3 fields (name,age,city) but instead got 2"]],
      ["", ["Expecting 3 fields (name,age,city) but instead got 1"]],
    ],
    [['eve,5,"unterminated', ["Invalid CSV: unterminated quoted field starting at column 7"]]],
  ]);
  t.same(r.counts.map((b) => b.map((c) => `${c}`)), [["received 4, valid 1, rejected 3"], ["received 2, valid 1, rejected 1"]], "header rows are not records");
});

t.test("csvLines with given columns and another delimiter; a bad header configuration is a clear error", async (t) => {
  const Row = tt.type({ a: tt.string, b: tt.string });
  const r = await run([["1;2", '";";x', "a;b;c"]], csvLines(Row, { columns: ["a", "b"], delimiter: ";" }));
  t.same(r.valid, [[{ a: "1", b: "2" }, { a: ";", b: "x" }]]);
  t.equal(r.rejected[0]!.length, 1);
  t.throws(() => csvLines(Row), /csvLines needs field names: pass \{ header: true \}/);
  t.throws(() => csvLines(Row, { header: true, delimiter: '"' }), /delimiter must be a non-empty string without double quotes/);
  t.throws(() => decode("not a codec" as unknown as tt.Decoder<unknown, string>), /decode's codec must be an io-ts codec/);
});

t.test("NumberFromString accepts numbers written as strings, nothing else", async (t) => {
  t.same(["42", "-1.5e3", " 7 "].map((s) => NumberFromString.decode(s)), [42, -1500, 7].map((n) => ({ _tag: "Right", right: n })));
  t.ok(["", " ", "x", "1,5"].every((s) => NumberFromString.decode(s)._tag === "Left"));
  t.equal(NumberFromString.decode(3)._tag, "Left", "a number is not a string");
});

t.test("the is-first fast path is used only where it gives decode's answer", async (t) => {
  t.ok(decodesToItself(Event));
  t.ok(decodesToItself(tt.union([tt.number, tt.type({ a: tt.Int })])));
  t.ok(decodesToItself(tt.record(tt.string, tt.number)));
  t.notOk(decodesToItself(tt.exact(tt.type({ a: tt.number }))), "exact strips keys");
  t.notOk(decodesToItself(tt.strict({ a: tt.number })));
  t.notOk(decodesToItself(tt.type({ n: NumberFromString })), "a converting codec");
  t.notOk(decodesToItself(tt.type({ at: tt.array(NumberFromString) })));
  // An exact codec still strips keys: correctness before speed.
  const Exact = tt.exact(tt.type({ a: tt.number }));
  const r = await run<unknown, { a: number }>([[{ a: 1, extra: true }]], decode(Exact));
  t.same(r.valid, [[{ a: 1 }]]);
  t.equal(Object.keys(r.valid[0]![0]!).length, 1);
});

t.test("property: valid + rejected = received, and the fast path agrees with decode, for any input", async (t) => {
  const anyValue = fc.oneof(
    fc.record({ user: fc.string(), ts: fc.oneof(fc.double(), fc.string()), kind: fc.constantFrom("click", "view", "other"), tags: fc.array(fc.oneof(fc.string(), fc.integer())) }),
    fc.anything(),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(anyValue, { maxLength: 8 }), { minLength: 1, maxLength: 4 }), async (batches) => {
      const fast = await run<unknown, unknown>(batches, decode(Event, { fastPath: true }));
      const slow = await run<unknown, unknown>(batches, decode(Event, { fastPath: false }));
      batches.forEach((batch, i) => {
        const c = fast.counts[i]![0]!;
        if (c.received !== batch.length || c.valid + c.rejected !== c.received) throw new Error(`counts do not add up: ${c}`);
        if (fast.valid[i]!.length !== c.valid || fast.rejected[i]!.length !== c.rejected) throw new Error("counts differ from the streams");
      });
      t.strictSame(fast.valid, slow.valid);
      t.strictSame(fast.rejected.map((b) => b.map((d) => d.errors)), slow.rejected.map((b) => b.map((d) => d.errors)));
    }),
    { numRuns: 60 },
  );
});

t.test("each batch is decoded once, however many of the three streams are used", async (t) => {
  const { ssc, clock } = testContext();
  let parsed = 0;
  const counted = pipe(
    ssc.queueStream([['{"a":1}', "bad", '{"a":2}']]),
    map((line: string) => {
      parsed++;
      return line;
    }),
  );
  const out = counted.pipe(jsonLines(tt.type({ a: tt.number })));
  const seen: number[] = [];
  out.valid.pipe(foreachRDD((rdd) => void seen.push(rdd.count())));
  out.rejected.pipe(foreachRDD((rdd) => void seen.push(rdd.count())));
  out.counts.pipe(foreachRDD((rdd) => void seen.push(rdd.first().received)));
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(seen, [2, 1, 3]);
  t.equal(parsed, 3, "every line went through the pipeline once");
});

t.test("listeners see each batch's decode counts in BatchInfo.metrics, even when only pprint reads the valid records", async (t) => {
  const { ssc, clock } = testContext();
  const good = { user: "ann", ts: 1, kind: "click", tags: [] };
  const input = ssc.queueStream<unknown>([[good, good, { ts: "x" }, good], [], [7]], { oneAtATime: true });
  const { valid, name } = input.pipe(decode(Event));
  valid.pipe(pprint(1, { print: () => {} }));
  const metrics: Array<Readonly<Record<string, number>> | undefined> = [];
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void metrics.push(batchInfo.metrics.get(name)) });
  ssc.start();
  await clock.advance(Seconds(3));
  await ssc.stop();
  t.same(metrics, [
    { received: 4, valid: 3, rejected: 1 },
    { received: 0, valid: 0, rejected: 0 },
    { received: 1, valid: 0, rejected: 1 },
  ], "complete counts although pprint(1) takes a single record");
});
