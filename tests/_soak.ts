/**
 * The kill -9 soak: runs tests/_soak_child.ts, feeds it files and socket lines, kills it with
 * SIGKILL at random moments (each once the restarted child has completed a batch, so a
 * checkpoint was written), restarts it after a random delay, and at the end checks what it
 * produced against what was fed (every record known by key and sequence number):
 * - exact counts: every key's count, by updateStateByKey, mapWithState and the inverse
 *   window, equals the number of file records of that key;
 * - the sink (one folder per batch, `saveAsTextFiles`): every record fed appears exactly once,
 *   and each key's running sums are exactly 1…N (none lost, none counted twice).
 * Used by tests/checkpoint_soak.test.ts (short form) and `npm run soak`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./_examples.ts";

export interface SoakOptions {
  readonly kills: number;
  /** File records in all (spread over `files` files) and socket records. */
  readonly fileRecords: number;
  readonly files: number;
  readonly socketRecords: number;
  readonly keys: number;
  /** How long the feed lasts (ms): kills fall within it. */
  readonly feedMs: number;
  readonly random?: () => number;
  readonly log?: (line: string) => void;
}

export interface SoakResult {
  readonly kills: number;
  /** Spawn to first completed batch, per (re)start (ms). */
  readonly restartToFirstBatchMs: ReadonlyArray<number>;
  /** What went wrong; empty when everything checks out. */
  readonly problems: ReadonlyArray<string>;
  readonly sinkRecords: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const runSoak = async (options: SoakOptions): Promise<SoakResult> => {
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), "dstreams-soak-"));
  const dirs = { checkpoints: join(work, "checkpoints"), input: join(work, "input"), staging: join(work, "staging"), output: join(work, "output") };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const problems: string[] = [];
  try {
    // The socket source: resends from the last acknowledged line on every connection.
    const socketLines = Array.from({ length: options.socketRecords }, (_, i) => `s k${i % options.keys} ${Math.floor(i / options.keys)}\n`);
    let produced = 0;
    let acked = 0;
    let client: Socket | undefined;
    let sentTo = 0;
    const pump = () => {
      if (client === undefined || client.destroyed) return;
      while (sentTo < produced) {
        const end = Math.min(produced, sentTo + 500);
        const ok = client.write(socketLines.slice(sentTo, end).join(""));
        sentTo = end;
        if (!ok) return void client.once("drain", pump);
      }
    };
    const server = createServer((socket) => {
      client?.destroy();
      client = socket;
      const base = acked;
      sentTo = acked;
      socket.setEncoding("utf8");
      let pending = "";
      socket.on("data", (chunk: string) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop()!;
        for (const line of lines) if (line.startsWith("ack ")) acked = Math.max(acked, base + Number(line.slice(4)));
      });
      socket.on("error", () => {});
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;

    // The file feed: files of records "f key seq", renamed into the watched directory.
    const perFile = Math.ceil(options.fileRecords / options.files);
    let filesWritten = 0;
    const writeFile = (n: number) => {
      const lines: string[] = [];
      for (let i = n * perFile; i < Math.min(options.fileRecords, (n + 1) * perFile); i++) {
        lines.push(`f k${i % options.keys} ${Math.floor(i / options.keys)}`);
      }
      const name = `part-${String(n).padStart(6, "0")}.txt`;
      writeFileSync(join(dirs.staging, name), `${lines.join("\n")}\n`);
      renameSync(join(dirs.staging, name), join(dirs.input, name));
    };
    const started = Date.now();
    const feed = (async () => {
      const step = options.feedMs / Math.max(options.files, 1);
      while (filesWritten < options.files || produced < options.socketRecords) {
        const due = Math.min(1, (Date.now() - started) / options.feedMs);
        while (filesWritten < Math.ceil(due * options.files)) writeFile(filesWritten++);
        produced = Math.max(produced, Math.min(options.socketRecords, Math.ceil(due * options.socketRecords)));
        pump();
        await sleep(Math.min(step, 20));
      }
    })();

    // The child: started, killed, restarted.
    const restartToFirstBatchMs: number[] = [];
    const start = () => {
      const spawnedAt = Date.now();
      const child = spawn("node", ["--import", "tsx", "tests/_soak_child.ts", dirs.checkpoints, dirs.input, dirs.output, String(port)], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      let completed = 0;
      const firstBatch = new Promise<void>((resolve) => {
        child.stdout.setEncoding("utf8");
        child.stdout.on("data", (chunk: string) => {
          const n = chunk.split("\n").filter((line) => line.startsWith("completed ")).length;
          if (completed === 0 && n > 0) {
            restartToFirstBatchMs.push(Date.now() - spawnedAt);
            resolve();
          }
          completed += n;
        });
      });
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk: string) => void (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      return { child, firstBatch, exited, stderr: () => stderr };
    };
    let running = start();
    for (let kill = 1; kill <= options.kills; kill++) {
      await Promise.race([running.firstBatch, running.exited]);
      if (running.child.exitCode !== null) {
        problems.push(`the child exited by itself (code ${running.child.exitCode}): ${running.stderr().slice(-2000)}`);
        break;
      }
      await sleep(random() * (options.feedMs / options.kills));
      running.child.kill("SIGKILL");
      await running.exited;
      log(`kill ${kill}: after ${filesWritten}/${options.files} files and ${acked}/${options.socketRecords} socket lines acknowledged`);
      await sleep(random() * 300);
      running = start();
    }
    await feed;

    // Let the last run take everything in, then stop it gracefully.
    const expected = new Map<string, number>();
    for (let i = 0; i < options.fileRecords; i++) expected.set(`k${i % options.keys}`, (expected.get(`k${i % options.keys}`) ?? 0) + 1);
    const counts = (name: string): Record<string, number> => {
      try {
        return JSON.parse(readFileSync(join(dirs.output, `counts-${name}.json`), "utf8")) as Record<string, number>;
      } catch {
        return {};
      }
    };
    const names = ["update", "mapWithState", "window"];
    const total = (name: string) => Object.values(counts(name)).reduce((a, b) => a + b, 0);
    const sink = join(dirs.output, "sink");
    const sinkLines = (): number => {
      let n = 0;
      let folders;
      try {
        folders = readdirSync(sink, { withFileTypes: true });
      } catch {
        return 0; // no batch has written yet
      }
      for (const folder of folders) {
        if (!folder.isDirectory() || !folder.name.startsWith("batch-")) continue;
        for (const part of readdirSync(join(sink, folder.name)).filter((f) => f.startsWith("part-"))) {
          n += readFileSync(join(sink, folder.name, part), "utf8").split("\n").filter((line) => line !== "").length;
        }
      }
      return n;
    };
    // Wait until everything fed was processed (or a minute went by: then something was lost).
    const deadline = Date.now() + 60_000;
    const all = options.fileRecords + options.socketRecords;
    while (Date.now() < deadline && running.child.exitCode === null) {
      if (acked >= options.socketRecords && names.every((n) => total(n) >= options.fileRecords) && sinkLines() >= all) break;
      await sleep(200);
    }
    running.child.kill("SIGTERM");
    const code = await Promise.race([running.exited, sleep(20_000).then(() => "timeout" as const)]);
    if (code === "timeout") {
      running.child.kill("SIGKILL");
      problems.push("the last run did not stop within 20 s of SIGTERM");
    }
    server.close();
    client?.destroy();
    if (acked < options.socketRecords) problems.push(`only ${acked} of ${options.socketRecords} socket lines were acknowledged`);

    for (const name of names) {
      const got = counts(name);
      const wrong = [...expected].filter(([key, n]) => got[key] !== n);
      if (wrong.length > 0) {
        problems.push(`${name}: ${wrong.length} keys with wrong counts, e.g. ${wrong.slice(0, 3).map(([k, n]) => `${k}: ${got[k]} instead of ${n}`).join(", ")}`);
      }
    }

    // The sink: every record once, sums 1…N per key.
    const seen = new Map<string, { seqs: Set<number>; sums: number[]; duplicates: number }>();
    let sinkRecords = 0;
    for (const folder of readdirSync(sink, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name.startsWith("batch-"))) {
      for (const part of readdirSync(join(sink, folder.name)).filter((f) => f.startsWith("part-"))) {
        for (const line of readFileSync(join(sink, folder.name, part), "utf8").split("\n")) {
          if (line === "") continue;
          sinkRecords++;
          const [key, seq, sum] = line.split(" ") as [string, string, string];
          const entry = seen.get(key) ?? { seqs: new Set<number>(), sums: [], duplicates: 0 };
          if (entry.seqs.has(Number(seq))) entry.duplicates++;
          entry.seqs.add(Number(seq));
          entry.sums.push(Number(sum));
          seen.set(key, entry);
        }
      }
    }
    const expectedPerKey = new Map<string, number>();
    for (let i = 0; i < options.fileRecords; i++) expectedPerKey.set(`f:k${i % options.keys}`, (expectedPerKey.get(`f:k${i % options.keys}`) ?? 0) + 1);
    for (let i = 0; i < options.socketRecords; i++) expectedPerKey.set(`s:k${i % options.keys}`, (expectedPerKey.get(`s:k${i % options.keys}`) ?? 0) + 1);
    let lost = 0;
    let duplicated = 0;
    let badSums = 0;
    for (const [key, n] of expectedPerKey) {
      const entry = seen.get(key);
      lost += n - (entry?.seqs.size ?? 0);
      duplicated += entry?.duplicates ?? 0;
      const sums = [...(entry?.sums ?? [])].sort((a, b) => a - b);
      if (sums.length !== n || sums.some((s, i) => s !== i + 1)) badSums++;
    }
    if (lost > 0 || duplicated > 0 || badSums > 0) {
      problems.push(`the sink lost ${lost} records, holds ${duplicated} twice, and ${badSums} keys' running sums are not exactly 1…N`);
    }
    return { kills: options.kills, restartToFirstBatchMs, problems, sinkRecords };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

/** The p-th percentile of `values` (nearest rank). */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
};
