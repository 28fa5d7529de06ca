/** Runs the examples as a user runs them: a child process on Node (tsx) or Deno. */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

export const root: string = fileURLToPath(new URL("..", import.meta.url));

/** A tool installed by `npm ci`: `tsx`, `deno`. */
export const bin = (name: string): string => `${root}node_modules/.bin/${name}`;

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` in the repository; `onOutput` sees the output so far and may signal
 * the process (to press Ctrl-C, for instance). Killed after a minute.
 */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  onOutput?: (stdout: string, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      // process.kill, not child.kill: Deno 2.9's child.kill(signal) makes "close" report
      // that signal even when the child handled it and exited 0.
      onOutput?.(stdout, (signal) => void (child.pid !== undefined && process.kill(child.pid, signal)));
    });
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });

/** Runs an example (`examples/<args[0]>`, …) on Node through tsx. */
export const runExample = (args: ReadonlyArray<string>): Promise<Run> => run(bin("tsx"), args);

/** The `pprint` blocks in `stdout`, each starting after `Time: `. */
export const blocksOf = (stdout: string): string[] => stdout.split(`${"-".repeat(43)}\nTime: `).slice(1);
