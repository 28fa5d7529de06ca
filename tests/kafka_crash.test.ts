/**
 * Exactly-once state under crashes, in the shape of Kafka Streams' EOS system test scaled
 * down: a keyed topic (key, per-key sequence number), one worker process killed with
 * SIGKILL at random moments and restarted from its checkpoint, and at the end every key's
 * count equals its number of records and its sequence advanced by exactly 1 at every step.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAndKill } from "./_crash.ts";
import { root } from "./_examples.ts";
import { type Broker, kafkaTests } from "./_kafka_broker.ts";

const KEYS = 20;
const PER_KEY = 100;
const CRASHES = 3;

/** Runs the worker until it prints `done` and exits. */
const runToEnd = (args: ReadonlyArray<string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn("node", ["--import", "tsx", "tests/_kafka_crash_child.ts", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => void (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });

kafkaTests("a Kafka pipeline killed with SIGKILL and restarted keeps exactly-once state", async (t, broker: Broker) => {
  const topic = await broker.topic("eos", 3);
  const groupId = `eos-${topic}`;
  const records = [];
  for (let seq = 1; seq <= PER_KEY; seq++) {
    for (let k = 0; k < KEYS; k++) records.push({ key: `key${k}`, value: String(seq), partition: k % 3 });
  }
  await broker.produce(topic, records);
  const dir = await mkdtemp(join(tmpdir(), "dstreams-kafka-crash-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const args = [broker.brokers, topic, groupId, join(dir, "checkpoints"), dir, String(KEYS * PER_KEY)];
  // 150 records per second per partition on 200 ms batches: about 23 batches for the topic,
  // so each kill lands somewhere in the run.
  let kills = 0;
  for (let i = 0; i < CRASHES; i++) {
    // A run recovering near the end may finish before its kill comes: then no more kills.
    const killed = await runAndKill("tests/_kafka_crash_child.ts", args, { minMs: 100, maxMs: 900 }).catch((error: Error) => {
      if (/ended by itself[\s\S]*done/.test(error.message)) return undefined;
      throw error;
    });
    if (killed === undefined) break;
    kills++;
  }
  t.ok(kills >= 1, `killed with SIGKILL ${kills} times`);
  const last = await runToEnd(args);
  t.equal(last.code, 0, `the last run exits 0 ${last.stderr.replace("done", "").trim()}`);
  t.match(last.stdout, /done/);
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  const final = JSON.parse(await readFile(join(dir, files.at(-1)!), "utf8")) as Record<string, { count: number; last: number; bad: number }>;
  t.equal(Object.keys(final).length, KEYS);
  for (const [key, seen] of Object.entries(final)) {
    if (seen.count !== PER_KEY || seen.last !== PER_KEY || seen.bad !== 0) t.fail(`${key}: ${JSON.stringify(seen)}`);
  }
  t.same(Object.values(final).map((s) => [s.count, s.last, s.bad]), Array.from({ length: KEYS }, () => [PER_KEY, PER_KEY, 0]), "every key counted once per record, its sequence +1 at each step");
});
