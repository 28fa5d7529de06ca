/**
 * The program the kill -9 soak (tests/_soak.ts) runs, kills and restarts: a file-fed and a
 * socket-fed pipeline (the socket read by a receiver that acknowledges its source only once
 * `store()` resolved, i.e. once the write-ahead log holds the lines), recovered with
 * `StreamingContext.getOrCreate` after every kill.
 *
 * - Exact counts (Flink's StreamCheckpointingITCase shape): the file records are counted per
 *   key three ways, `updateStateByKey`, `mapWithState` and an inverse `reduceByKeyAndWindow`
 *   over an hour; after each batch the counts are written to `<output>/counts-<name>.json`.
 * - Running sums into an idempotent sink: every record becomes `source key seq sum` (its
 *   key's running count) and goes to `saveAsTextFiles` (one folder per batch time, replaced
 *   whole when a batch runs again). The socket source may send lines again after a kill (those
 *   logged but not yet acknowledged): the state keeps each key's last sequence number and
 *   skips what it has seen, the idempotent-consumer pattern.
 *
 * Usage: node --import tsx tests/_soak_child.ts <checkpoints> <input dir> <output dir> <port>
 */
import { createConnection, type Socket } from "node:net";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  checkpoint,
  filter,
  foreachRDD,
  map,
  mapWithState,
  Milliseconds,
  Minutes,
  named,
  type Option,
  pipe,
  Receiver,
  reduceByKeyAndWindow,
  saveAsTextFiles,
  Seconds,
  some,
  SparkContext,
  type State,
  StateSpec,
  stateSnapshots,
  StreamingContext,
  union,
  updateStateByKey,
} from "../mod.ts";

const [checkpoints, input, output, port] = process.argv.slice(2) as [string, string, string, string];

/** Reads lines from the soak's source; acknowledges each block once `store()` resolved (logged). */
class AckedReceiver extends Receiver<string> {
  #socket: Socket | undefined;

  onStart(): void {
    const socket = createConnection({ host: "127.0.0.1", port: Number(port) });
    this.#socket = socket;
    let pending = "";
    let stored = 0;
    let chain = Promise.resolve();
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      pending += chunk;
      const end = pending.lastIndexOf("\n");
      if (end < 0) return;
      const lines = pending.slice(0, end).split("\n");
      pending = pending.slice(end + 1);
      socket.pause();
      chain = chain.then(async () => {
        await this.store(lines);
        stored += lines.length;
        if (!socket.destroyed) socket.write(`ack ${stored}\n`);
        socket.resume();
      });
    });
    socket.on("error", (error) => this.restart("the soak's source connection failed", error));
    socket.on("close", () => this.restart("the soak's source closed the connection"));
  }

  onStop(): void {
    this.#socket?.destroy();
  }
}

const writeAtomically = (path: string, text: string): void => {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
};

const sum = (values: ReadonlyArray<number>, state: Option<number>): Option<number> =>
  some(values.reduce((a, b) => a + b, state._tag === "Some" ? state.value : 0));

const create = (): StreamingContext => {
  const ssc = new StreamingContext(
    new SparkContext({ appName: "soak", logLevel: "WARN", log: (line) => void process.stderr.write(`${line}\n`) }),
    Milliseconds(200),
  );
  ssc.checkpoint(checkpoints);
  // "<source> <key> <seq>"
  // Files already there when the first run starts count too: the feed may begin before it.
  const fileLines = pipe(ssc.textFileStream(input, { newFilesOnly: false }), named("files"));
  const socketLines = pipe(ssc.receiverStream(new AckedReceiver()), named("acked-socket"));
  const records = pipe(union(fileLines, socketLines), map((line: string) => line.split(" ") as [string, string, string]));

  // Exact counts over the file records, three ways.
  const fileOnes = pipe(records, filter(([source]) => source === "f"), map(([, key]) => [key, 1] as const));
  const counted = {
    update: pipe(fileOnes, updateStateByKey(sum), named("counts-update"), checkpoint(Seconds(2))),
    mapWithState: pipe(
      fileOnes,
      mapWithState(StateSpec.function((_key: string, one: Option<number>, state: State<number>) => {
        state.update((state.exists() ? state.get() : 0) + (one._tag === "Some" ? one.value : 0));
        return 0;
      })),
      named("counts-mapWithState"),
      checkpoint(Seconds(2)),
      stateSnapshots(),
    ),
    window: pipe(
      fileOnes,
      reduceByKeyAndWindow((a: number, b: number) => a + b, (a: number, b: number) => a - b, Minutes(60), Milliseconds(200)),
      named("counts-window"),
      checkpoint(Seconds(2)),
    ),
  };
  for (const [name, stream] of Object.entries(counted)) {
    pipe(stream, foreachRDD((rdd) => writeAtomically(join(output, `counts-${name}.json`), JSON.stringify(Object.fromEntries(rdd.collect())))));
  }

  // Running sums into the idempotent sink; socket lines seen before are skipped by sequence number.
  const spec = StateSpec.function((key: string, record: Option<readonly [string, number]>, state: State<readonly [number, number]>) => {
    if (record._tag === "None") return "";
    const [source, seq] = record.value;
    const [lastSeq, total] = state.exists() ? state.get() : [-1, 0];
    if (source === "s" && seq <= lastSeq) return "";
    state.update([Math.max(seq, lastSeq), total + 1]);
    return `${key} ${seq} ${total + 1}`;
  });
  pipe(
    records,
    map(([source, key, seq]) => [`${source}:${key}`, [source, Number(seq)] as const] as const),
    mapWithState(spec),
    named("running-sums"),
    checkpoint(Seconds(2)),
    filter((line: string) => line !== ""),
    saveAsTextFiles(join(output, "sink", "batch")),
  );
  return ssc;
};

const ssc = await StreamingContext.getOrCreate(checkpoints, create);
ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => console.log(`completed ${batchInfo.batchTime.milliseconds}`) });
process.on("SIGTERM", () => void ssc.stop({ stopGracefully: true }));
ssc.start();
console.log("ready");
await ssc.awaitTermination();
