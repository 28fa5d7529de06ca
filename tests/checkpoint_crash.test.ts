import t from "tap";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAndKill } from "./_crash.ts";
import { directoryCheckpointStore } from "../lib/checkpoint/directory_store.ts";
import { decodeCheckpoint, restoreState } from "../lib/checkpoint/_format.ts";
import { v8StateCodec } from "../lib/checkpoint/state_codec.ts";
import { openWriteAheadLog } from "../lib/checkpoint/write_ahead_log.ts";

const KILLS = 5;
const quiet = { warn: () => {} };
const codec = v8StateCodec<Map<string, number>>();

t.test(`kill -9 at random moments (${KILLS} times): the latest checkpoint is intact, the log a prefix holding every acknowledged block`, async (t) => {
  const directory = await mkdtemp(join(tmpdir(), "crash-"));
  let acknowledgedBlocks = 0;
  for (let kill = 1; kill <= KILLS; kill++) {
    const { lines, killedAfterMs } = await runAndKill("tests/_crash_child.ts", [directory], { minMs: 50, maxMs: 600 });
    const acked = (what: string) => lines.filter((l) => l.startsWith(`${what} `)).map((l) => Number(l.split(" ")[1]));
    const ackedBlocks = acked("wal");
    const ackedCheckpoints = acked("ckpt");
    acknowledgedBlocks = Math.max(acknowledgedBlocks, ...ackedBlocks.map((n) => n + 1));

    const log = await openWriteAheadLog(join(directory, "wal"), { logger: quiet });
    const replayed: string[] = [];
    for await (const block of log.replay()) replayed.push(new TextDecoder().decode(block.records[0]));
    await log.close();
    const expected = Array.from({ length: replayed.length }, (_, n) => `record ${n}`);
    const at = `kill ${kill} after ${killedAfterMs} ms (${ackedBlocks.length} blocks, ${ackedCheckpoints.length} checkpoints acknowledged)`;
    t.same(replayed, expected, `${at}: the log replays a prefix of what was appended, in order`);
    t.ok(replayed.length >= acknowledgedBlocks, `${at}: every acknowledged block is there (${replayed.length} ≥ ${acknowledgedBlocks})`);

    const latest = await directoryCheckpointStore(join(directory, "checkpoints"), { logger: quiet }).readLatest(decodeCheckpoint);
    if (ackedCheckpoints.length > 0) {
      t.ok(latest !== undefined && latest.time.milliseconds >= Math.max(...ackedCheckpoints), `${at}: the latest checkpoint is at least the last acknowledged`);
    }
    if (latest !== undefined) {
      t.same(latest.skipped, [], `${at}: no checkpoint file is damaged`);
      const state = restoreState(latest.value, "counts", codec);
      t.ok(state.size === 2_000 && [...state.values()].every((v) => v === latest.time.milliseconds), `${at}: its state is whole`);
    }
  }
});
