/** Helpers for tests on real files and loopback sockets: bounded waits, servers, temp dirs. */
import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Waits until `condition` holds, checking every few milliseconds; fails after `timeoutMs`. */
export const until = async (condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

/** Listens on 127.0.0.1 (port 0: a free one); resolves with the port. */
export const listen = (server: Server, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });

/** A server that remembers its connections, so that it can be killed with them. */
export const trackedServer = (onConnection: (socket: Socket) => void): { server: Server; kill: () => Promise<void> } => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onConnection(socket);
  });
  const kill = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  return { server, kill };
};

/** Writes `data` to `socket`, waiting for `drain` whenever the kernel buffer is full. Counts the waits. */
export const writeAll = async (socket: Socket, chunks: Iterable<string | Uint8Array>): Promise<number> => {
  let waits = 0;
  for (const chunk of chunks) {
    if (socket.destroyed) break;
    if (!socket.write(chunk)) {
      waits++;
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off("drain", done);
          socket.off("close", done);
          resolve();
        };
        socket.on("drain", done);
        socket.on("close", done);
      });
    }
  }
  return waits;
};

/** A fresh temporary directory; `cleanup` removes it. */
export const tempDir = (prefix = "dstreams-"): { dir: string; cleanup: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
};

/** Sets a file's modification (and access) time, in epoch milliseconds. */
export const setModTime = (path: string, ms: number): void => utimesSync(path, ms / 1000, ms / 1000);

/**
 * Writes a file the safe way: under a temporary name elsewhere, with modification
 * time `modTimeMs`, then renamed into `dir` (a rename keeps the modification time).
 */
export const dropFile = (staging: string, dir: string, name: string, content: string | Uint8Array, modTimeMs: number): string => {
  const temp = join(staging, `${name}.${process.pid}.tmp`);
  writeFileSync(temp, content);
  setModTime(temp, modTimeMs);
  const target = join(dir, name);
  renameSync(temp, target);
  return target;
};
