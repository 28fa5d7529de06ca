/**
 * A fast loopback text feeder for the socket-ingest workload. `startTextFeeder` paces
 * its lines by design; this one sends a pre-built payload (every line, `\n`-ended) to
 * each client as fast as the socket takes it, then closes that connection.
 *
 * It runs in its own plain Node process (no TypeScript loader), as `nc -lk` would, so
 * the measured process only receives. It prints `port <n>` once listening and exits
 * when its standard input closes.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import process from "node:process";

/** The feeder's program, run with `node -e`; the payload file comes in FEEDER_PAYLOAD. */
const PROGRAM = `
const { readFileSync } = require("node:fs");
const { createServer } = require("node:net");
const payload = readFileSync(process.env.FEEDER_PAYLOAD);
const server = createServer((socket) => {
  socket.on("error", () => socket.destroy());
  socket.end(payload);
});
server.listen(0, "127.0.0.1", () => process.stdout.write("port " + server.address().port + "\\n"));
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
`;

/** A running feeder process. */
export interface FeederProcess {
  readonly port: number;
  close(): Promise<void>;
}

/** Runs `program` with `node -e` serving `payloadFile`; resolves once it prints its port. */
const spawnFeeder = (program: string, payloadFile: string): Promise<{ readonly child: ChildProcessWithoutNullStreams; readonly process: FeederProcess }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", program], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, FEEDER_PAYLOAD: payloadFile, NODE_OPTIONS: "" },
    }) as unknown as ChildProcessWithoutNullStreams;
    let out = "";
    const onExit = (code: number | null) => reject(new Error(`the feeder process exited (${code}) before listening`));
    child.once("exit", onExit);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      out += d;
      const match = /port (\d+)/.exec(out);
      if (match === null) return;
      child.stdout.removeAllListeners("data");
      child.off("exit", onExit);
      const close = () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const killer = setTimeout(() => child.kill("SIGKILL"), 2000);
          child.once("exit", () => {
            clearTimeout(killer);
            done();
          });
          child.stdin.end();
        });
      resolve({ child, process: { port: Number(match[1]), close } });
    });
  });

/** Starts the feeder in a child process serving `payloadFile`; resolves once it listens. */
export const startFeederProcess = async (payloadFile: string): Promise<FeederProcess> => (await spawnFeeder(PROGRAM, payloadFile)).process;

/**
 * A feeder paced by its parent: each line `n` written to its standard input sends the
 * next `n` lines of the payload to the connected client (a new connection starts from
 * the first line again; it prints `connected` for each). So a benchmark run under a
 * ManualClock puts exactly the lines it wants into each block and batch.
 */
const PACED_PROGRAM = `
const { readFileSync } = require("node:fs");
const { createServer } = require("node:net");
const payload = readFileSync(process.env.FEEDER_PAYLOAD);
let client, at = 0, queued = [];
const flush = () => {
  while (client !== undefined && queued.length > 0) {
    let end = at;
    for (let n = queued.shift(); n > 0 && end < payload.length; n--) {
      const nl = payload.indexOf(10, end);
      end = nl === -1 ? payload.length : nl + 1;
    }
    client.write(payload.subarray(at, end));
    at = end;
  }
};
const server = createServer((socket) => {
  socket.on("error", () => socket.destroy());
  socket.on("close", () => { if (client === socket) client = undefined; });
  client = socket;
  at = 0;
  process.stdout.write("connected\\n");
  flush();
});
server.listen(0, "127.0.0.1", () => process.stdout.write("port " + server.address().port + "\\n"));
let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
  text += d;
  const lines = text.split("\\n");
  text = lines.pop();
  for (const line of lines) if (line !== "") queued.push(Number(line));
  flush();
});
process.stdin.on("end", () => process.exit(0));
`;

/** A running paced feeder: `send(n)` asks it for the next `n` lines. */
export interface PacedFeederProcess extends FeederProcess {
  send(lines: number): void;
  /** How many clients have connected so far. */
  readonly connections: number;
  /** Resolves once `count` clients have connected. */
  connected(count: number): Promise<void>;
}

/** Starts {@link PACED_PROGRAM} in a child process serving `payloadFile`; resolves once it listens. */
export const startPacedFeederProcess = async (payloadFile: string): Promise<PacedFeederProcess> => {
  const { child, process: feeder } = await spawnFeeder(PACED_PROGRAM, payloadFile);
  let connections = 0;
  let waiting: Array<{ readonly count: number; readonly resolve: () => void }> = [];
  let unread = "";
  child.stdout.on("data", (d: string) => {
    // Whole lines only: a pipe may cut "connected\n" between two reads.
    const lines = (unread + d).split("\n");
    unread = lines.pop()!;
    connections += lines.filter((line) => line === "connected").length;
    const due = waiting.filter((w) => w.count <= connections);
    waiting = waiting.filter((w) => w.count > connections);
    for (const w of due) w.resolve();
  });
  return {
    ...feeder,
    send: (lines) => void child.stdin.write(`${lines}\n`),
    get connections() {
      return connections;
    },
    connected: (count) => (count <= connections ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
  };
};
