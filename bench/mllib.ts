/**
 * `npm run bench:mllib`: the ML workloads (streaming k-means k = 10, d = 10; streaming
 * linear regression d = 100) on dstreams and on PySpark's MLlib, on the same generated
 * input, in one run. Not part of CI.
 *
 *   npm run bench:mllib [-- --master=local[1],local[2]] [--quick]
 *
 * Creates bench/.venv (gitignored) with pyspark 3.5 and numpy on first use (needs Java
 * 17), writes the input to bench/spark-input/mllib/, runs bench/spark/mllib.py, checks
 * PySpark's final models against dstreams' (1e-6), and prints both rates.
 *
 * dstreams' rate: points / the median run (the harness's protocol, manual clock).
 * PySpark's: points / the sum of its per-batch times (parallelize + update or train),
 * in a second, warm round.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { measureWorkload } from "./harness.ts";
import { mlKMeans } from "./workloads/ml_kmeans.ts";
import { mlRegression } from "./workloads/ml_regression.ts";
import { kmeansInput, REGRESSION_DIM, regressionInput, SGD } from "./workloads/ml_data.ts";
import { StreamingKMeans, StreamingLinearRegressionWithSGD } from "../ml.ts";
import { ManualClock, Seconds, SparkContext, StreamingContext } from "../mod.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const venv = join(here, ".venv");
const python = join(venv, "bin", "python");
const inputDir = join(here, "spark-input", "mllib");

const args = process.argv.slice(2);
const value = (name: string, fallback: string): string => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const masters = value("master", "local[1],local[2]").split(",");
const mode = { quick: args.includes("--quick") };

const run = (cmd: string, cmdArgs: ReadonlyArray<string>, what: string): string => {
  const result = spawnSync(cmd, cmdArgs, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, SPARK_LOCAL_IP: "127.0.0.1" },
  });
  if (result.error !== undefined) throw new Error(`${what}: cannot run ${cmd}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}): ${cmd} ${cmdArgs.join(" ")}`);
  return result.stdout;
};

if (!existsSync(python)) {
  console.error(`[mllib] creating ${venv} and installing pyspark 3.5 and numpy (once)…`);
  run("python3", ["-m", "venv", venv], "python3 -m venv");
  run(python, ["-m", "pip", "install", "--quiet", "pyspark==3.5.*", "numpy"], "pip install pyspark numpy");
}
if (spawnSync("java", ["-version"]).status !== 0) throw new Error("Spark needs Java (17 works): `java -version` failed; install a JDK and retry");

// 1. The same input as the workloads, on disk.
const km = kmeansInput(mode);
const reg = regressionInput(mode);
mkdirSync(inputDir, { recursive: true });
writeFileSync(join(inputDir, "kmeans.json"), JSON.stringify(km));
writeFileSync(join(inputDir, "regression.json"), JSON.stringify({ ...reg, dim: REGRESSION_DIM, sgd: SGD }));
const kmPoints = km.batches.reduce((n, b) => n + b.length, 0);
const regPoints = reg.batches.reduce((n, b) => n + b.length, 0);

// 2. dstreams' final models, to check PySpark's against.
const clock = new ManualClock();
const ssc = new StreamingContext(new SparkContext({ appName: "bench-mllib" }), Seconds(1), { clock });
const kmeans = new StreamingKMeans({ k: km.centers.length, decayFactor: 1 }).setInitialCenters(km.centers, new Array<number>(km.centers.length).fill(0));
kmeans.trainOn(ssc.queueStream(km.batches));
const lr = new StreamingLinearRegressionWithSGD({ ...SGD, initialWeights: new Array<number>(REGRESSION_DIM).fill(0) });
lr.trainOn(ssc.queueStream(reg.batches));
ssc.start();
await clock.advance(Seconds(Math.max(km.batches.length, reg.batches.length)));
await ssc.stop();

// 3. dstreams' rates (the harness's protocol).
const rateOf = async (workload: typeof mlKMeans | typeof mlRegression, points: number): Promise<number> => {
  console.error(`[mllib] dstreams: ${workload.title}…`);
  const [ds] = await measureWorkload(workload, ["dstreams"], mode);
  if (ds === undefined || ds.status !== "ok") throw new Error(`dstreams failed: ${ds?.message}`);
  const sorted = [...ds.runsMs!].sort((a, b) => a - b);
  return points / (sorted[sorted.length >> 1]! / 1000);
};
const dsKm = await rateOf(mlKMeans, kmPoints);
const dsReg = await rateOf(mlRegression, regPoints);

// 4. PySpark.
interface MllibResult {
  readonly pyspark: string;
  readonly kmeans: { readonly batchMs: number[]; readonly centers: number[][] };
  readonly regression: { readonly batchMs: number[]; readonly weights: number[] };
}
const worst = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!) / Math.max(1, Math.abs(b[i]!))), 0);
const fmt = (rate: number): string => Math.round(rate).toLocaleString("en-US").padStart(12);
const lines: string[] = [
  `ML workloads: k-means ${km.batches.length} batches × ${km.batches[0]!.length} points (k=10, d=10); linear regression ${reg.batches.length} batches × ${reg.batches[0]!.length} points (d=100, ${SGD.numIterations} SGD iterations per batch)`,
  `dstreams (1 core)        k-means ${fmt(dsKm)} points/s   regression ${fmt(dsReg)} points/s`,
];
for (const master of masters) {
  console.error(`[mllib] PySpark MLlib ${master} (a warm-up round, then a timed one)…`);
  const out = run(python, [join(here, "spark", "mllib.py"), inputDir, master], "PySpark MLlib");
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`PySpark printed no result:\n${out}`);
  const spark = JSON.parse(line) as MllibResult;
  const kmDiff = worst(kmeans.latestModel().clusterCenters.flat(), spark.kmeans.centers.flat());
  const regDiff = worst(lr.latestModel().weights, spark.regression.weights);
  if (kmDiff > 1e-6 || regDiff > 1e-6) throw new Error(`PySpark's final models differ from dstreams': k-means ${kmDiff}, regression ${regDiff}`);
  const sum = (xs: ReadonlyArray<number>) => xs.reduce((s, x) => s + x, 0);
  const spKm = kmPoints / (sum(spark.kmeans.batchMs) / 1000);
  const spReg = regPoints / (sum(spark.regression.batchMs) / 1000);
  lines.push(
    `PySpark ${spark.pyspark} ${master.padEnd(9)} k-means ${fmt(spKm)} points/s   regression ${fmt(spReg)} points/s   (final models equal within 1e-6)`,
    `  dstreams / PySpark ${master}: k-means ${(dsKm / spKm).toFixed(1)} ×, regression ${(dsReg / spReg).toFixed(1)} ×`,
  );
}
for (const line of lines) console.log(line);
