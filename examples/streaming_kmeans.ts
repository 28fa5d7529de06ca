/**
 * Streaming k-means, as in MLlib's StreamingKMeansExample: a model trains on one
 * stream of points and labels another stream's points with their cluster, every batch.
 *
 *   npx tsx examples/streaming_kmeans.ts [batches]
 *   npx deno run examples/streaming_kmeans.ts [batches]
 *
 * The points come from three moving Gaussian blobs; the model forgets with a half-life
 * of 2 batches so its centers follow them. A point with the wrong dimension is not
 * trained on: it is printed as a dead letter. Runs on a manual clock, so it takes no
 * time at all (default: 6 batches).
 */
import process from "node:process";
import { foreachRDD, ManualClock, pipe, pprint, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import { StreamingKMeans, type Vector } from "../ml.ts";

const batches = Number(process.argv[2] ?? 6);
const clock = new ManualClock();
const ssc = new StreamingContext(new SparkContext({ appName: "StreamingKMeansExample" }), Seconds(1), { clock });

// A deterministic generator (xorshift) so every run prints the same.
let seed = 2015;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const blob = (center: readonly [number, number]): Vector => [center[0] + random() - 0.5, center[1] + random() - 0.5];
const centersAt = (b: number): Array<readonly [number, number]> => [[0 + b, 0], [5, 5 + b], [-5 - b, 5]];

const training: Vector[][] = [];
const test: Array<Array<readonly [string, Vector]>> = [];
for (let b = 0; b < batches; b++) {
  const centers = centersAt(b * 0.5);
  training.push(Array.from({ length: 90 }, (_, i) => blob(centers[i % 3]!)));
  test.push(centers.map((c, j) => [`blob-${j}`, blob(c)] as const));
}
training[1]!.push([1, 2, 3]); // one point of the wrong dimension

const model = new StreamingKMeans({ k: 3, halfLife: 2, timeUnit: "batches" }).setRandomCenters(2, 0, 42);
const { rejected } = model.trainOn(ssc.queueStream(training));
pipe(rejected, pprint());
pipe(model.predictOnValues(ssc.queueStream(test)), pprint());
pipe(
  ssc.queueStream(training),
  foreachRDD((_rdd, time) => {
    const centers = model.latestModel().clusterCenters.map((c) => `(${c.map((x) => x.toFixed(2)).join(", ")})`);
    console.log(`${time}: centers ${centers.join(" ")}\n`);
  }),
);

ssc.start();
await clock.advance(Seconds(batches));
await ssc.stop();
