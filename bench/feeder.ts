/**
 * A fast loopback text feeder for the socket-ingest workload. `startTextFeeder` paces
 * its lines by design; this one sends a pre-built payload (every line, `\n`-ended) to
 * each client as fast as the socket takes it, then closes the connection.
 *
 * It runs in its own process (`startFeederProcess`), as `nc -lk` would, so the
 * measured process only receives. Run directly:
 *   node --import tsx bench/feeder.ts <payload file>
 * prints `port <n>` once listening, and exits when its standard input closes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);

/** A running feeder process. */
export interface FeederProcess {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the feeder in a child process serving `payloadFile`; resolves once it listens. */
export const startFeederProcess = (payloadFile: string): Promise<FeederProcess> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith("--cpu-prof")), self, payloadFile], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    const onExit = (code: number | null) => reject(new Error(`the feeder process exited (${code}) before listening`));
    child.once("exit", onExit);
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => {
      out += d;
      const match = /port (\d+)/.exec(out);
      if (match === null) return;
      child.stdout!.removeAllListeners("data");
      child.off("exit", onExit);
      resolve({
        port: Number(match[1]),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once("exit", () => done());
            child.stdin!.end();
            setTimeout(() => child.kill("SIGKILL"), 2000).unref();
          }),
      });
    });
  });

const serve = (payloadFile: string): void => {
  const payload = readFileSync(payloadFile);
  const server = createServer((socket) => {
    socket.on("error", () => socket.destroy());
    socket.end(payload);
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.stdout.write(`port ${typeof address === "object" && address !== null ? address.port : 0}\n`);
  });
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
};

if (process.argv[1] === self) serve(process.argv[2] ?? "");
