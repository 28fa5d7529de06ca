/**
 * The Kafka broker the Kafka tests use: the one `.ci/run` started (its address in
 * `DSTREAMS_KAFKA_BROKERS`), or else one this test file starts on a free loopback port
 * with scripts/kafka/broker.sh (Java 17+ and Maven needed) and stops at the end.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Admin, Producer, stringSerializers } from "@platformatic/kafka";
import t, { type Test } from "tap";

const root = fileURLToPath(new URL("..", import.meta.url));
const script = join(root, "scripts", "kafka", "broker.sh");

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });

/** A port P with P and P + 1 free (the broker's and the controller's). */
const freePortPair = async (): Promise<number> => {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if ((await portFree(port)) && (await portFree(port + 1))) return port;
  }
  throw new Error("no two free loopback ports for a Kafka broker");
};

const run = (args: string[]): Promise<{ code: number; output: string }> =>
  new Promise((resolve) => {
    execFile("bash", [script, ...args], { timeout: 180_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });

export interface Broker {
  /** `"127.0.0.1:<port>"`. */
  readonly brokers: string;
  readonly admin: Admin;
  /** Creates a topic with a fresh name (a prefix plus a counter) and returns its name. */
  topic(prefix: string, partitions?: number): Promise<string>;
  /** Writes `values` (with keys if given) to a topic's partitions. */
  produce(topic: string, records: ReadonlyArray<{ readonly key?: string; readonly value: string; readonly partition?: number; readonly headers?: Record<string, string> }>): Promise<void>;
  /** Stops the broker if this file started it. */
  stop(): Promise<void>;
  /** Stops the broker for a test of a lost broker (only one this file started). */
  kill?(): Promise<void>;
  /** Restarts the broker `kill` stopped, on the same port and data. */
  restart?(): Promise<void>;
}

let counter = 0;
const pids = new Map<string, number>();
const pidOf = (dir: string): number => pids.get(dir) ?? -1;
const unique = `${process.pid}${Date.now().toString(36)}`;

/**
 * The test broker: from `DSTREAMS_KAFKA_BROKERS`, or started here; `own: true` always
 * starts one (a test that stops its broker must not stop everyone's).
 */
export const kafkaBroker = async (options: { readonly own?: boolean } = {}): Promise<Broker> => {
  let brokers = options.own === true ? undefined : process.env.DSTREAMS_KAFKA_BROKERS;
  let dir: string | undefined;
  let pidOnExit: (() => void) | undefined;
  if (brokers === undefined || brokers === "") {
    dir = await mkdtemp(join(tmpdir(), "dstreams-kafka-"));
    const port = await freePortPair();
    const { code, output } = await run(["start", String(port), dir]);
    if (code !== 0) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(
        `Could not start a Kafka broker for the tests (scripts/kafka/broker.sh start ${port}): ${output.trim().split("\n").slice(-5).join(" | ")}. ` +
          "Install Java 17+ and Maven, or start a broker and set DSTREAMS_KAFKA_BROKERS=host:port",
      );
    }
    brokers = `127.0.0.1:${port}`;
    const started = dir;
    // If the test process dies before stop(), the broker must not outlive it.
    pidOnExit = () => {
      try {
        process.kill(pidOf(started), "SIGKILL");
      } catch { /* already gone */ }
    };
    process.on("exit", pidOnExit);
    pids.set(started, Number(await readFile(join(dir, "broker.pid"), "utf8")));
  }
  const list = brokers.split(",");
  const admin = new Admin({ clientId: "dstreams-test-admin", bootstrapBrokers: list, retries: 5, retryDelay: 200 });
  const producer = new Producer({ clientId: "dstreams-test-producer", bootstrapBrokers: list, serializers: stringSerializers, idempotent: true, retries: 5, retryDelay: 200 });
  const startedDir = dir;
  const broker: Broker = {
    brokers,
    admin,
    async topic(prefix, partitions = 1) {
      const name = `${prefix}-${unique}-${counter++}`;
      await admin.createTopics({ topics: [name], partitions, replicas: 1 });
      return name;
    },
    async produce(topic, records) {
      if (records.length === 0) return;
      // A topic may have grown since the producer last looked, and the broker may not
      // list a partition just added yet: the producer would then write to another one.
      const needed = records.reduce((n, r) => Math.max(n, (r.partition ?? -1) + 1), 0);
      for (let tries = 0;; tries++) {
        const metadata = await producer.metadata({ topics: [topic], forceUpdate: true });
        const known = metadata.topics.get(topic)?.partitionsCount ?? 0;
        if (known >= needed) break;
        if (tries === 100) throw new Error(`the test broker still lists ${known} partitions of ${topic} after 5 s, not the ${needed} a record asks for`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await producer.send({
        messages: records.map((r) => ({
          topic,
          value: r.value,
          ...(r.key === undefined ? {} : { key: r.key }),
          ...(r.partition === undefined ? {} : { partition: r.partition }),
          ...(r.headers === undefined ? {} : { headers: r.headers }),
        })),
      });
    },
    ...(startedDir === undefined ? {} : {
      async kill() {
        const { code, output } = await run(["stop", startedDir]);
        if (code !== 0) throw new Error(`could not stop the test broker: ${output}`);
      },
      async restart() {
        const { code, output } = await run(["resume", startedDir]);
        if (code !== 0) throw new Error(`could not restart the test broker: ${output}`);
        pids.set(startedDir, Number(await readFile(join(startedDir, "broker.pid"), "utf8")));
      },
    }),
    async stop() {
      await Promise.all([admin.close().catch(() => undefined), producer.close().catch(() => undefined)]);
      if (startedDir !== undefined) {
        await run(["stop", startedDir]);
        if (pidOnExit !== undefined) process.off("exit", pidOnExit);
        await rm(startedDir, { recursive: true, force: true });
      }
    },
  };
  return broker;
};

/**
 * One top-level test holding a file's Kafka tests, with the broker started before them and
 * stopped after them (a teardown of that test: tap's root teardown does not run under
 * `tsx --test` nor Deno).
 */
export const kafkaTests = (title: string, body: (t: Test, broker: Broker) => Promise<void>, options: { readonly own?: boolean } = {}): void => {
  t.test(title, async (t: Test) => {
    const broker = await kafkaBroker(options);
    t.teardown(() => broker.stop());
    await body(t, broker);
  });
};
