/**
 * Crash testing: runs a child process (Node with the tsx loader, one process: the `tsx`
 * command would be a wrapper whose death leaves the real child running) and kills it with SIGKILL at a
 * random moment, so a test can reopen what it wrote and check what survived.
 */
import { spawn } from "node:child_process";
import { root } from "./_examples.ts";

export interface Killed {
  /** Every line the child printed before it died. */
  readonly lines: ReadonlyArray<string>;
  readonly stderr: string;
  /** How long after `ready` it was killed (ms). */
  readonly killedAfterMs: number;
}

/**
 * Starts `script` (a .ts file, run with tsx) with `args`, waits for it to print `ready`
 * (or the line `after`), then SIGKILLs it after a random delay in [minMs, maxMs). Rejects
 * if it dies by itself.
 */
export const runAndKill = (
  script: string,
  args: ReadonlyArray<string>,
  { minMs, maxMs, random = Math.random, after = "ready" }: { minMs: number; maxMs: number; random?: () => number; after?: string },
): Promise<Killed> =>
  new Promise((resolve, reject) => {
    const child = spawn("node", ["--import", "tsx", script, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killedAfterMs = -1;
    let killed = false;
    const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (killedAfterMs < 0 && stdout.includes(`${after}\n`)) {
        killedAfterMs = Math.floor(minMs + random() * (maxMs - minMs));
        setTimeout(() => {
          killed = true;
          child.kill("SIGKILL");
        }, killedAfterMs);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      clearTimeout(deadline);
      const lines = stdout.split("\n").filter((line) => line !== "");
      if (!killed || signal !== "SIGKILL") reject(new Error(`the child ended by itself (signal ${String(signal)}): ${stderr}`));
      else resolve({ lines, stderr, killedAfterMs });
    });
  });
