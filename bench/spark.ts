/**
 * `npm run bench:spark`: workload 1 (word count) on JVM Spark Streaming (the Java API)
 * and on PySpark's DStreams, against dstreams and the hand loop, on the same generated
 * input. Not part of CI.
 *
 *   npm run bench:spark [-- --master=local[1],local[2]] [--sizes=10000,100000]
 *     [--pyspark-sizes=10000] [--jvm-rounds=5] [--py-rounds=2] [--no-pyspark] [--no-jvm]
 *
 * Inputs: 20 batches of 10,000 lines (workload 1's own) and 10 batches of 100,000 lines
 * (the same generator), written to bench/spark-input/<size>/ (one file per batch).
 *
 * - dstreams and the hand loop: in this process, the protocol of `npm run bench`
 *   (verify run, warm-up, 7 timed runs in turns, median).
 * - JVM Spark 3.5.9 (bench/spark/jvm: jars from Maven Central through `mvn
 *   dependency:copy-dependencies`, compiled with javac; Java 17 with the `--add-opens`
 *   flags Spark's own launcher passes): the batches, read into cached RDDs, are queued
 *   `--jvm-rounds` times (default 5); the first two rounds warm the JIT up, and the
 *   figure is the median of the later rounds.
 * - PySpark 3.5 (bench/.venv, created on first use): as before, `--py-rounds` (default
 *   2) rounds, the last one timed; at 10,000-line batches only by default (it is slow).
 *
 * A Spark round's rate is its lines / the sum of its batches' processing delays (from a
 * StreamingListener): the time Spark spent working, not waiting for batch intervals, as
 * dstreams' manual clock does. The interval is 200 ms: batches slower than that queue and
 * run back to back, each still reporting only its own processing. Every Spark batch's
 * result (distinct words, total words) is checked against the hand loop's. Spark binds to
 * 127.0.0.1 only (SPARK_LOCAL_IP and spark.driver.host/bindAddress).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { measureWorkload } from "./harness.ts";
import { type LineInput, lines as makeLines } from "./workloads/_common.ts";
import { wordCount } from "./workloads/wordcount.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const venv = join(here, ".venv");
const python = join(venv, "bin", "python");
const inputRoot = join(here, "spark-input");
const jvmDir = join(here, "spark", "jvm");
const jvmLib = join(jvmDir, "target", "lib");
const jvmClasses = join(jvmDir, "target", "classes");
const jvmSource = join(jvmDir, "src", "main", "java", "dstreams", "bench", "WordCount.java");
const PYSPARK = "pyspark==3.5.*";
const INTERVAL_MS = 200;
const JVM_WARMUP_ROUNDS = 2;

/** What Spark 3.5's launcher adds on Java 17 (JavaModuleOptions), so Spark can reach JDK internals. */
const JAVA_OPENS = [
  "-XX:+IgnoreUnrecognizedVMOptions",
  ...[
    "java.lang",
    "java.lang.invoke",
    "java.lang.reflect",
    "java.io",
    "java.net",
    "java.nio",
    "java.util",
    "java.util.concurrent",
    "java.util.concurrent.atomic",
    "jdk.internal.ref",
    "sun.nio.ch",
    "sun.nio.cs",
    "sun.security.action",
    "sun.util.calendar",
  ].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
  "-Djdk.reflect.useDirectMethodHandle=false",
];

const args = process.argv.slice(2);
const value = (name: string, fallback: string): string =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const flag = (name: string): boolean => args.includes(`--${name}`);
const masters = value("master", "local[1],local[2]").split(",");
const sizes = value("sizes", "10000,100000").split(",").map(Number);
const pysparkSizes = flag("no-pyspark") ? [] : value("pyspark-sizes", "10000").split(",").map(Number);
const jvmRounds = Number(value("jvm-rounds", "5"));
const pyRounds = Number(value("py-rounds", "2"));
const runJvm = !flag("no-jvm");
if (jvmRounds <= JVM_WARMUP_ROUNDS) throw new Error(`--jvm-rounds must be more than the ${JVM_WARMUP_ROUNDS} warm-up rounds`);

const run = (cmd: string, cmdArgs: ReadonlyArray<string>, what: string, cwd?: string): string => {
  const result = spawnSync(cmd, cmdArgs, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
    ...(cwd === undefined ? {} : { cwd }),
    // Spark binds to loopback only (it would pick the host's first interface).
    env: { ...process.env, SPARK_LOCAL_IP: "127.0.0.1" },
  });
  if (result.error !== undefined) throw new Error(`${what}: cannot run ${cmd}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${what} failed (exit ${result.status}): ${cmd} ${cmdArgs.join(" ")}\n${(result.stderr ?? "").split("\n").slice(-30).join("\n")}`);
  }
  return result.stdout;
};

const java = spawnSync("java", ["-version"], { encoding: "utf8" });
if (java.status !== 0) throw new Error("Spark needs Java 17: `java -version` failed; install a JDK 17 and retry");
const javaVersion = /version "([^"]+)"/.exec(java.stderr)?.[1] ?? "unknown";

// 1. JVM Spark's jars and the program.
if (runJvm) {
  if (!existsSync(jvmLib)) {
    console.error(`[spark] fetching Spark 3.5.9's jars with Maven into ${jvmLib} (once)…`);
    run("mvn", ["-q", "-B", "dependency:copy-dependencies", `-DoutputDirectory=${jvmLib}`, "-DincludeScope=runtime"], "mvn dependency:copy-dependencies", jvmDir);
  }
  const classFile = join(jvmClasses, "dstreams", "bench", "WordCount.class");
  if (!existsSync(classFile) || statSync(classFile).mtimeMs < statSync(jvmSource).mtimeMs) {
    console.error("[spark] compiling bench/spark/jvm…");
    mkdirSync(jvmClasses, { recursive: true });
    run("javac", ["--release", "17", "-nowarn", "-cp", `${jvmLib}/*`, "-d", jvmClasses, jvmSource], "javac WordCount.java");
  }
}
// PySpark in a local virtual environment.
if (pysparkSizes.length > 0 && !existsSync(python)) {
  console.error(`[spark] creating ${venv} and installing ${PYSPARK} (once)…`);
  run("python3", ["-m", "venv", venv], "python3 -m venv");
  run(python, ["-m", "pip", "install", "--quiet", PYSPARK], "pip install pyspark");
}

interface SparkResult {
  readonly spark?: string;
  readonly pyspark?: string;
  readonly master: string;
  readonly wallSeconds: number;
  readonly batches: ReadonlyArray<{ readonly distinct: number; readonly words: number; readonly processingMs: number }>;
}

interface Row {
  readonly size: number;
  readonly engine: string;
  readonly master: string;
  readonly rate: number;
  readonly msPerBatch: number;
  readonly roundRates?: ReadonlyArray<number>;
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const rows: Row[] = [];
const loadStart = loadavg()[0]!;
for (const size of sizes) {
  // 2. The input, in memory and on disk.
  const input: LineInput = size === 10_000 ? wordCount.prepare({ quick: false }) as LineInput : makeLines(Math.max(1, Math.round(1_000_000 / size)), size);
  const dir = join(inputRoot, String(size));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  input.batches.forEach((batch, i) => writeFileSync(join(dir, `batch-${String(i).padStart(3, "0")}.txt`), `${batch.join("\n")}\n`));
  const lines = input.batches.reduce((n, b) => n + b.length, 0);
  const nBatches = input.batches.length;
  console.error(`[spark] ${nBatches} batches of ${size} lines in ${dir}`);
  const expected = input.batches.map((batch) => {
    const counts = new Map<string, number>();
    let words = 0;
    for (const line of batch) {
      for (const w of line.split(" ")) {
        counts.set(w, (counts.get(w) ?? 0) + 1);
        words++;
      }
    }
    return { distinct: counts.size, words };
  });

  // 3. dstreams and the hand loop (same protocol as `npm run bench`).
  console.error(`[spark] ${size}: dstreams and the hand loop…`);
  const results = await measureWorkload({ ...wordCount, prepare: () => input }, ["hand loop", "dstreams"], { quick: false });
  for (const r of results) {
    if (r.status !== "ok") throw new Error(`${r.contender} failed: ${r.message}`);
    const ms = median(r.runsMs!);
    rows.push({ size, engine: r.contender, master: "1 core", rate: lines / (ms / 1000), msPerBatch: ms / nBatches });
  }
  if (results[0]!.verifyCheck !== results[1]!.verifyCheck) throw new Error("dstreams' results differ from the hand loop's");

  const check = (what: string, timed: SparkResult["batches"]) => {
    if (timed.length !== nBatches) throw new Error(`${what}: ${timed.length} timed batches, expected ${nBatches}`);
    const wrong = timed.findIndex((b, i) => b.distinct !== expected[i]!.distinct || b.words !== expected[i]!.words);
    if (wrong >= 0) throw new Error(`${what}: batch ${wrong} differs: ${JSON.stringify(timed[wrong])} vs expected ${JSON.stringify(expected[wrong])}`);
  };
  const roundRate = (batches: SparkResult["batches"]) => lines / (batches.reduce((s, b) => s + b.processingMs, 0) / 1000);

  // 4. JVM Spark.
  for (const master of runJvm ? masters : []) {
    console.error(`[spark] ${size}: JVM Spark ${master}, ${jvmRounds} rounds of ${nBatches} batches (the first ${JVM_WARMUP_ROUNDS} warm up)…`);
    const out = run(
      "java",
      [...JAVA_OPENS, "-Xmx4g", "-cp", `${jvmClasses}:${jvmLib}/*`, "dstreams.bench.WordCount", dir, master, String(jvmRounds), String(INTERVAL_MS)],
      `JVM Spark word count (${master}, ${size}-line batches)`,
    );
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (line === undefined) throw new Error(`JVM Spark printed no result:\n${out}`);
    const spark = JSON.parse(line) as SparkResult;
    const rates: number[] = [];
    for (let r = JVM_WARMUP_ROUNDS; r < jvmRounds; r++) {
      const timed = spark.batches.slice(r * nBatches, (r + 1) * nBatches);
      check(`JVM Spark ${master} round ${r + 1}`, timed);
      rates.push(roundRate(timed));
    }
    const rate = median(rates);
    rows.push({ size, engine: `JVM Spark ${spark.spark}`, master, rate, msPerBatch: (lines / rate) * 1000 / nBatches, roundRates: rates });
  }

  // 5. PySpark.
  for (const master of pysparkSizes.includes(size) ? masters : []) {
    console.error(`[spark] ${size}: PySpark ${master}, ${pyRounds} round(s) of ${nBatches} batches (the first warms up)…`);
    const out = run(python, [join(here, "spark", "wordcount.py"), dir, master, String(pyRounds)], `PySpark word count (${master})`);
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (line === undefined) throw new Error(`PySpark printed no result:\n${out}`);
    const spark = JSON.parse(line) as SparkResult;
    // The last round, by position: Spark goes on making empty batches after the queue drains.
    const timed = spark.batches.slice((pyRounds - 1) * nBatches, pyRounds * nBatches);
    check(`PySpark ${master}`, timed);
    const rate = roundRate(timed);
    rows.push({ size, engine: `PySpark ${spark.pyspark}`, master, rate, msPerBatch: (lines / rate) * 1000 / nBatches });
  }
}

const report = [
  `Word count (results checked equal to the hand loop's, every Spark batch); JVM rounds: median of rounds ${JVM_WARMUP_ROUNDS + 1}–${jvmRounds}`,
  "",
  `${"batch".padStart(7)}  ${"engine".padEnd(16)} ${"master".padEnd(8)} ${"lines/s".padStart(11)} ${"ms/batch".padStart(9)}  ${"dstreams ÷ it".padStart(13)}  rounds (lines/s)`,
];
for (const size of sizes) {
  const ds = rows.find((r) => r.size === size && r.engine === "dstreams")!;
  for (const r of rows.filter((x) => x.size === size)) {
    report.push(
      `${String(size).padStart(7)}  ${r.engine.padEnd(16)} ${r.master.padEnd(8)} ${Math.round(r.rate).toLocaleString("en-US").padStart(11)} ${r.msPerBatch.toFixed(1).padStart(9)}  ${(ds.rate / r.rate).toFixed(2).padStart(12)}×  ${r.roundRates?.map((x) => Math.round(x).toLocaleString("en-US")).join(", ") ?? ""}`,
    );
  }
}
report.push(
  "",
  `node ${process.version}; Java ${javaVersion}; ${cpus().length} × ${cpus()[0]?.model ?? "?"}; load average ${loadStart.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}; ${new Date().toISOString()}`,
);
console.log(report.join("\n"));
if (!flag("no-out")) {
  const file = join(here, "results-spark.json");
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, java: javaVersion, loadAverage: { start: loadStart, end: loadavg()[0] }, rows }, null, 2)}\n`);
  console.error(`[spark] wrote ${file}`);
}
