/**
 * The child process of the crash tests (tests/_crash.ts): appends to a write-ahead log and
 * writes checkpoints in a loop until killed, printing `wal <n>` once block n is durable and
 * `ckpt <n>` once checkpoint n is. Resumes the numbering from what the directory holds.
 * Usage: tsx tests/_crash_child.ts <directory>
 */
import { join } from "node:path";
import process from "node:process";
import { Time } from "../lib/time/duration.ts";
import { directoryCheckpointStore } from "../lib/checkpoint/directory_store.ts";
import { decodeCheckpoint, encodeCheckpoint, restoreState } from "../lib/checkpoint/_format.ts";
import { v8StateCodec } from "../lib/checkpoint/state_codec.ts";
import { openWriteAheadLog } from "../lib/checkpoint/write_ahead_log.ts";

export const STATE_KEYS = 2_000;
export const codec = v8StateCodec<Map<string, number>>();

const directory = process.argv[2]!;
const quiet = { warn: () => {} };
const log = await openWriteAheadLog(join(directory, "wal"), { logger: quiet, segmentBytes: 4096 });
const store = directoryCheckpointStore(join(directory, "checkpoints"), { logger: quiet, keep: 3 });
let blocks = 0;
for await (const _ of log.replay()) blocks++;
const latest = await store.readLatest(decodeCheckpoint);
let checkpoint = latest === undefined ? 0 : latest.time.milliseconds + 1;
const say = (line: string) => process.stdout.write(`${line}\n`);
say("ready");

const appendSome = () =>
  Promise.all([0, 1, 2].map(() => {
    const n = blocks++;
    return log.append([new TextEncoder().encode(`record ${n}`), new Uint8Array(n % 50)]).then(() => say(`wal ${n}`));
  }));

for (;;) {
  const n = checkpoint++;
  const state = new Map<string, number>();
  for (let k = 0; k < STATE_KEYS; k++) state.set(`key-${k}`, n);
  await Promise.all([
    appendSome(),
    store.write(
      new Time(n),
      encodeCheckpoint({ batchTimeMs: n, graph: { batchIntervalMs: 1, windows: [] }, pendingBatchesMs: [] }, [
        { name: "counts", role: "state", kind: "updateStateByKey", version: 1, codec, state },
      ]),
    ).then(() => say(`ckpt ${n}`)),
  ]);
  // Keeps the restore path honest: the newest checkpoint decodes while the loop runs.
  if (n % 20 === 0) restoreState(decodeCheckpoint((await store.readLatest((b) => b))!.value), "counts", codec);
}
