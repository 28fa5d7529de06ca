/**
 * 8. Join: two keyed streams with the same 100,000 keys in every batch (each side in its
 * own order, one value per key), `join`ed batch by batch: 100,000 `[key, [v, w]]` per
 * batch. The hand loop is a hash join (a `Map` from key to the other side's values, so
 * a key seen twice on a side still gives every pair, as Spark's join does).
 */
import { join, pipe } from "../../mod.ts";
import { fingerprint, hashString, mix, Prng } from "../_data.ts";
import { runDStreams, toSink } from "../_drivers.ts";
import type { Workload } from "../harness.ts";
import { size } from "./_common.ts";

type Pair = readonly [string, number];
type Joined = readonly [string, readonly [number, number]];

interface JoinInput {
  readonly left: Pair[][];
  readonly right: Pair[][];
}

const shuffled = (n: number, prng: Prng): number[] => {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

const prepare = (batches: number, keys: number): JoinInput => {
  const names = Array.from({ length: keys }, (_, i) => `key-${i}`);
  const prng = new Prng(808);
  const left: Pair[][] = [];
  const right: Pair[][] = [];
  for (let b = 0; b < batches; b++) {
    left.push(shuffled(keys, prng).map((i): Pair => [names[i]!, b * keys + i]));
    right.push(shuffled(keys, prng).map((i): Pair => [names[i]!, i % 1000]));
  }
  return { left, right };
};

const notMeasured = {
  unavailable: "not measured: no keyed join of two streams per batch (a user would zip the batches and write the hand loop's hash join)",
};

export const keyedJoin: Workload<JoinInput, Joined> = {
  id: "join",
  title: "8. join, 100k keys",
  unit: "keys",
  runs: 5,
  prepare: (mode) => prepare(size(mode, 5, 3), size(mode, 100_000, 500)),
  records: (input) => input.left.reduce((n, b) => n + b.length, 0),
  fingerprint: (input) => `${fingerprint(input.left)} ${fingerprint(input.right)}`,
  digest: (r) => mix(mix(hashString(r[0]), r[1][0]), r[1][1]),
  light: (r) => r[1][1],
  contenders: {
    "hand loop": async ({ left, right }, sink) => {
      for (let b = 0; b < left.length; b++) {
        const others = new Map<string, number[]>();
        for (const [k, w] of right[b]!) {
          const ws = others.get(k);
          if (ws === undefined) others.set(k, [w]);
          else ws.push(w);
        }
        const out: Joined[] = [];
        for (const [k, v] of left[b]!) {
          const ws = others.get(k);
          if (ws !== undefined) for (let i = 0; i < ws.length; i++) out.push([k, [v, ws[i]!]]);
        }
        sink(out);
      }
    },
    dstreams: ({ left, right }, sink) =>
      runDStreams(left, (input, ssc) => pipe(input, join(ssc.queueStream(right)), toSink(sink))),
    RxJS: notMeasured,
    Effect: notMeasured,
  },
};
