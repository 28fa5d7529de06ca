/**
 * A fast loopback text feeder for the socket-ingest workload. `startTextFeeder` paces
 * its lines by design; this one sends a pre-built payload (every line, `\n`-ended) to
 * each client as fast as the socket takes it, then closes that connection.
 *
 * It runs in its own plain Node process (no TypeScript loader), as `nc -lk` would, so
 * the measured process only receives. It prints `port <n>` once listening and exits
 * when its standard input closes.
 */
import { spawn } from "node:child_process";
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

/** Starts the feeder in a child process serving `payloadFile`; resolves once it listens. */
export const startFeederProcess = (payloadFile: string): Promise<FeederProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", PROGRAM], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, FEEDER_PAYLOAD: payloadFile, NODE_OPTIONS: "" },
    });
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
      resolve({
        port: Number(match[1]),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const killer = setTimeout(() => child.kill("SIGKILL"), 2000);
            child.once("exit", () => {
              clearTimeout(killer);
              done();
            });
            child.stdin.end();
          }),
      });
    });
  });
