/**
 * Every combinator is dual: data-first `map(stream, f)` and data-last `pipe(stream, map(f))`
 * give the same results, for each combinator of the public face.
 */
import t from "tap";
import * as io from "io-ts";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import {
  cogroup,
  combineByKey,
  count,
  countByValue,
  countByValueAndWindow,
  countByWindow,
  csvLines,
  decode,
  type DStream,
  filter,
  flatMap,
  flatMapValues,
  foreachRDD,
  fullOuterJoin,
  getOrElse,
  glom,
  groupByKey,
  groupByKeyAndWindow,
  join,
  jsonLines,
  leftOuterJoin,
  map,
  mapPartitions,
  mapValues,
  mapWithState,
  named,
  type Option,
  pipe,
  pprint,
  print,
  type QueueDStream,
  reduce,
  reduceByKey,
  reduceByKeyAndWindow,
  reduceByWindow,
  repartition,
  rightOuterJoin,
  saveAsTextFiles,
  Seconds,
  slice,
  some,
  type State,
  StateSpec,
  stateSnapshots,
  type StreamingContext,
  transform,
  transformWith,
  union,
  updateStateByKey,
  window,
} from "../mod.ts";
import { testContext } from "./_contexts.ts";

type Pair = readonly [string, number];
const words: string[][] = [["a", "b", "a"], ["c"], [], ["a", "c", "c"]];
const pairs: Pair[][] = [[["a", 1], ["b", 2], ["a", 3]], [["c", 1]], [], [["a", 5], ["c", 1]]];
const others: Array<Array<readonly [string, string]>> = [[["a", "x"]], [["c", "y"], ["d", "z"]], [["a", "w"]], []];
const add = (a: number, b: number) => a + b;
const sub = (a: number, b: number) => a - b;

/** Every batch's records, sorted by their JSON form (order within a batch is not defined). */
const canonical = (records: ReadonlyArray<unknown>): string[] => records.map((r) => JSON.stringify(r)).sort();

interface Inputs {
  readonly ssc: StreamingContext;
  readonly words: QueueDStream<string>;
  readonly pairs: QueueDStream<Pair>;
  readonly others: QueueDStream<readonly [string, string]>;
}

/** Runs `build` on fresh inputs over four batches and returns what each output saw, per batch. */
const run = async (build: (inputs: Inputs) => ReadonlyArray<DStream<unknown>>): Promise<string[][][]> => {
  const { ssc, clock } = testContext();
  const inputs: Inputs = { ssc, words: ssc.queueStream(words), pairs: ssc.queueStream(pairs), others: ssc.queueStream(others) };
  const streams = build(inputs);
  const seen = streams.map(() => [] as string[][]);
  streams.forEach((stream, i) => foreachRDD(stream, (rdd) => void seen[i]!.push(canonical(rdd.collect()))));
  ssc.start();
  await clock.advance(Seconds(4));
  await ssc.stop();
  return seen;
};

/** The assertions used here, as both tap and the Deno facade provide them. */
interface Assert {
  same(actual: unknown, expected: unknown, message: string): void;
  ok(value: unknown, message: string): void;
}

/** Asserts that the data-first and the data-last builds give the same, non-trivial results. */
const same = async (
  t: Assert,
  name: string,
  dataFirst: (inputs: Inputs) => DStream<unknown> | ReadonlyArray<DStream<unknown>>,
  dataLast: (inputs: Inputs) => DStream<unknown> | ReadonlyArray<DStream<unknown>>,
) => {
  const listed = (f: typeof dataFirst) => (inputs: Inputs) => {
    const out = f(inputs);
    return Array.isArray(out) ? out : [out as DStream<unknown>];
  };
  const first = await run(listed(dataFirst));
  const last = await run(listed(dataLast));
  t.same(first, last, `${name}: data-first and data-last agree`);
  t.ok(first.some((batches) => batches.some((batch) => batch.length > 0)), `${name}: produced records`);
};

t.test("stateless combinators", async (t) => {
  await same(t, "map", ({ words }) => map(words, (w: string) => w.toUpperCase()), ({ words }) => pipe(words, map((w: string) => w.toUpperCase())));
  await same(t, "flatMap", ({ words }) => flatMap(words, (w: string) => [w, w]), ({ words }) => pipe(words, flatMap((w: string) => [w, w])));
  await same(t, "filter", ({ words }) => filter(words, (w: string) => w !== "a"), ({ words }) => pipe(words, filter((w: string) => w !== "a")));
  await same(
    t,
    "mapPartitions",
    ({ words }) => mapPartitions(words, (ws: ReadonlyArray<string>) => [ws.length]),
    ({ words }) => pipe(words, mapPartitions((ws: ReadonlyArray<string>) => [ws.length])),
  );
  await same(t, "glom", ({ words }) => map(glom(words), (p) => p.length), ({ words }) => pipe(words, glom(), map((p) => p.length)));
  await same(t, "repartition", ({ words }) => repartition(words, 3), ({ words }) => pipe(words, repartition(3)));
  await same(t, "count", ({ words }) => count(words), ({ words }) => pipe(words, count()));
  await same(t, "reduce", ({ words }) => reduce(words, (a: string, b: string) => a < b ? a : b), ({ words }) => pipe(words, reduce((a: string, b: string) => a < b ? a : b)));
  await same(t, "countByValue", ({ words }) => countByValue(words, 2), ({ words }) => pipe(words, countByValue(2)));
  await same(
    t,
    "transform",
    ({ words }) => transform(words, (rdd) => rdd.map((w: string) => `${w}!`)),
    ({ words }) => pipe(words, transform((rdd) => rdd.map((w: string) => `${w}!`))),
  );
  await same(t, "named", ({ words }) => named(map(words, (w) => w), "first"), ({ words }) => pipe(words, map((w) => w), named("last")));
});

t.test("several streams", async (t) => {
  await same(t, "union", ({ words, ssc }) => union(words, ssc.queueStream([["z"]])), ({ words, ssc }) => pipe(words, union(ssc.queueStream([["z"]]))));
  await same(
    t,
    "transformWith",
    ({ pairs, others }) => transformWith(pairs, others, (a, b) => a.join(b)),
    ({ pairs, others }) => pipe(pairs, transformWith(others, (a, b) => a.join(b))),
  );
});

t.test("pair combinators and joins", async (t) => {
  await same(t, "mapValues", ({ pairs }) => mapValues(pairs, (n: number) => n * 2), ({ pairs }) => pipe(pairs, mapValues((n: number) => n * 2)));
  await same(t, "flatMapValues", ({ pairs }) => flatMapValues(pairs, (n: number) => [n, -n]), ({ pairs }) => pipe(pairs, flatMapValues((n: number) => [n, -n])));
  await same(t, "reduceByKey", ({ pairs }) => reduceByKey(pairs, add, 2), ({ pairs }) => pipe(pairs, reduceByKey(add, 2)));
  await same(t, "groupByKey", ({ pairs }) => groupByKey(pairs), ({ pairs }) => pipe(pairs, groupByKey()));
  const sumCount = [(v: number) => [v, 1] as const, (c: readonly [number, number], v: number) => [c[0] + v, c[1] + 1] as const, (x: readonly [number, number], y: readonly [number, number]) => [x[0] + y[0], x[1] + y[1]] as const] as const;
  await same(t, "combineByKey", ({ pairs }) => combineByKey(pairs, ...sumCount), ({ pairs }) => pipe(pairs, combineByKey(...sumCount)));
  await same(t, "join", ({ pairs, others }) => join(pairs, others), ({ pairs, others }) => pipe(pairs, join(others)));
  await same(t, "leftOuterJoin", ({ pairs, others }) => leftOuterJoin(pairs, others, 2), ({ pairs, others }) => pipe(pairs, leftOuterJoin(others, 2)));
  await same(t, "rightOuterJoin", ({ pairs, others }) => rightOuterJoin(pairs, others), ({ pairs, others }) => pipe(pairs, rightOuterJoin(others)));
  await same(t, "fullOuterJoin", ({ pairs, others }) => fullOuterJoin(pairs, others), ({ pairs, others }) => pipe(pairs, fullOuterJoin(others)));
  await same(t, "cogroup", ({ pairs, others }) => cogroup(pairs, others), ({ pairs, others }) => pipe(pairs, cogroup(others)));
});

t.test("window combinators", async (t) => {
  await same(t, "window", ({ words }) => window(words, Seconds(2)), ({ words }) => pipe(words, window(Seconds(2))));
  await same(t, "window with a slide", ({ words }) => window(words, Seconds(2), Seconds(2)), ({ words }) => pipe(words, window(Seconds(2), Seconds(2))));
  await same(t, "countByWindow", ({ words }) => countByWindow(words, Seconds(2), Seconds(1)), ({ words }) => pipe(words, countByWindow(Seconds(2), Seconds(1))));
  await same(
    t,
    "countByValueAndWindow",
    ({ words }) => countByValueAndWindow(words, Seconds(2), Seconds(1)),
    ({ words }) => pipe(words, countByValueAndWindow(Seconds(2), Seconds(1))),
  );
  const lengths = (d: DStream<string>) => map(d, (w: string) => w.length);
  await same(t, "reduceByWindow", ({ words }) => reduceByWindow(lengths(words), add, Seconds(2)), ({ words }) => pipe(lengths(words), reduceByWindow(add, Seconds(2))));
  await same(
    t,
    "reduceByWindow with an inverse",
    ({ words }) => reduceByWindow(lengths(words), add, sub, Seconds(2), Seconds(1)),
    ({ words }) => pipe(lengths(words), reduceByWindow(add, sub, Seconds(2), Seconds(1))),
  );
  await same(
    t,
    "reduceByKeyAndWindow",
    ({ pairs }) => reduceByKeyAndWindow(pairs, add, Seconds(2)),
    ({ pairs }) => pipe(pairs, reduceByKeyAndWindow(add, Seconds(2))),
  );
  await same(
    t,
    "reduceByKeyAndWindow with an inverse and a filter",
    ({ pairs }) => reduceByKeyAndWindow(pairs, add, sub, Seconds(2), Seconds(1), 2, ([, n]: Pair) => n > 0),
    ({ pairs }) => pipe(pairs, reduceByKeyAndWindow(add, sub, Seconds(2), Seconds(1), 2, ([, n]: Pair) => n > 0)),
  );
  await same(
    t,
    "reduceByKeyAndWindow's options form",
    ({ pairs }) => reduceByKeyAndWindow(pairs, add, Seconds(2), Seconds(1), { inverse: sub }),
    ({ pairs }) => pipe(pairs, reduceByKeyAndWindow(add, Seconds(2), Seconds(1), { inverse: sub })),
  );
  await same(
    t,
    "groupByKeyAndWindow",
    ({ pairs }) => groupByKeyAndWindow(pairs, Seconds(2), Seconds(1)),
    ({ pairs }) => pipe(pairs, groupByKeyAndWindow(Seconds(2), Seconds(1))),
  );
});

t.test("state combinators", async (t) => {
  const update = (values: ReadonlyArray<number>, state: Option<number>) => some(values.reduce(add, pipe(state, getOrElse(() => 0))));
  await same(t, "updateStateByKey", ({ pairs }) => updateStateByKey(pairs, update), ({ pairs }) => pipe(pairs, updateStateByKey(update)));
  const spec = () =>
    StateSpec.function((key: string, value: Option<number>, state: State<number>) => {
      const sum = pipe(value, getOrElse(() => 0)) + (state.exists() ? state.get() : 0);
      state.update(sum);
      return [key, sum] as const;
    });
  await same(t, "mapWithState", ({ pairs }) => mapWithState(pairs, spec()), ({ pairs }) => pipe(pairs, mapWithState(spec())));
  await same(
    t,
    "stateSnapshots",
    ({ pairs }) => stateSnapshots(mapWithState(pairs, spec())),
    ({ pairs }) => pipe(pairs, mapWithState(spec()), stateSnapshots()),
  );
});

t.test("decoding combinators", async (t) => {
  const Event = io.type({ user: io.string, n: io.number });
  const parts = (d: { valid: DStream<unknown>; rejected: DStream<{ raw: unknown }>; counts: DStream<unknown> }) => [
    d.valid,
    map(d.rejected, (dead) => dead.raw),
    d.counts,
  ];
  const objects = (ssc: StreamingContext) => ssc.queueStream<unknown>([[{ user: "a", n: 1 }, { user: "b", n: "x" }], [7]]);
  await same(t, "decode", ({ ssc }) => parts(decode(objects(ssc), Event)), ({ ssc }) => parts(pipe(objects(ssc), decode(Event))));
  const json = (ssc: StreamingContext) => ssc.queueStream([['{"user":"a","n":1}', "not json"], ['{"user":"c","n":3}']]);
  await same(t, "jsonLines", ({ ssc }) => parts(jsonLines(json(ssc), Event)), ({ ssc }) => parts(pipe(json(ssc), jsonLines(Event))));
  const Row = io.type({ user: io.string, n: io.string });
  const csv = (ssc: StreamingContext) => ssc.queueStream([["user,n", "a,1", "b"], ["c,3"]]);
  await same(
    t,
    "csvLines",
    ({ ssc }) => parts(csvLines(csv(ssc), Row, { header: true })),
    ({ ssc }) => parts(pipe(csv(ssc), csvLines(Row, { header: true }))),
  );
});

t.test("output operations and slice", async (t) => {
  const outputs = async (dataFirst: boolean) => {
    const { ssc, clock } = testContext();
    ssc.remember(Seconds(10));
    const stream = ssc.queueStream(words);
    const seen: string[] = [];
    const printTo = { print: (block: string) => void seen.push(block) };
    if (dataFirst) {
      pprint(stream, 2, printTo);
      print(stream, 2, printTo);
      foreachRDD(stream, (rdd, time) => void seen.push(`${time}: ${canonical(rdd.collect())}`));
    } else {
      pipe(stream, pprint(2, printTo));
      pipe(stream, print(2, printTo));
      pipe(stream, foreachRDD((rdd, time) => void seen.push(`${time}: ${canonical(rdd.collect())}`)));
    }
    ssc.start();
    await clock.advance(Seconds(4));
    const sliced = (dataFirst ? slice(stream, 1000, 4000) : pipe(stream, slice(1000, 4000))).map((rdd) => canonical(rdd.collect()));
    await ssc.stop();
    return { seen, sliced };
  };
  const first = await outputs(true);
  t.same(first, await outputs(false), "pprint, print, foreachRDD and slice");
  t.equal(first.seen.length, 12);
  t.equal(first.sliced.length, 4);

  const saved = async (dataFirst: boolean) => {
    const dir = await mkdtemp(joinPath(tmpdir(), "dstreams-dual-"));
    try {
      const { ssc, clock } = testContext();
      const stream = ssc.queueStream(words);
      const prefix = joinPath(dir, "words");
      if (dataFirst) saveAsTextFiles(stream, prefix, "txt");
      else pipe(stream, saveAsTextFiles(prefix, "txt"));
      ssc.start();
      await clock.advance(Seconds(2));
      await ssc.stop();
      const files: string[] = [];
      for (const batch of (await readdir(dir)).sort()) {
        for (const part of (await readdir(joinPath(dir, batch))).sort()) {
          files.push(`${batch}/${part}: ${await readFile(joinPath(dir, batch, part), "utf8")}`);
        }
      }
      return files;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  const files = await saved(true);
  t.same(files, await saved(false), "saveAsTextFiles");
  t.ok(files.some((f) => f.startsWith("words-1000.txt/")), "wrote the batch at 1000 ms");
});

t.test(".pipe() takes 20 operators, fp-ts's pipe its 20 arguments, typed end to end (tsc checks this file)", async (t) => {
  const { ssc, clock } = testContext();
  const inc = map((n: number) => n + 1);
  // Twenty operators; the types flow through all of them: the result is a DStream<string>.
  const viaMethod: DStream<string> = ssc.queueStream([[0]]).pipe(
    inc, inc, inc, inc, inc, inc, inc, inc, inc, inc,
    inc, inc, inc, inc, inc, inc, inc, inc, inc,
    map((n: number) => `method ${n}`),
  );
  // fp-ts's pipe takes a value and up to 19 functions: 20 arguments.
  const viaPipe: DStream<string> = pipe(
    ssc.queueStream([[0]]),
    inc, inc, inc, inc, inc, inc, inc, inc, inc, inc,
    inc, inc, inc, inc, inc, inc, inc, inc,
    map((n: number) => `pipe ${n}`),
  );
  // @ts-expect-error: the 20th operator's input is the 19th's output (a number), not a string
  ssc.queueStream([[0]]).pipe(inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, map((s: string) => s));
  const seen: string[] = [];
  for (const stream of [viaMethod, viaPipe]) foreachRDD(stream, (rdd) => void seen.push(...rdd.collect()));
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(seen, ["method 19", "pipe 18"]);
});
