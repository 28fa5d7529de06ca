/**
 * Real servers for the connector tests: PostgreSQL, Redis and NATS (JetStream), each on
 * 127.0.0.1, on a free port, in a temporary directory that `stop()` removes. A server
 * that cannot start throws an error that says how to install it (`.ci/run` installs
 * nats-server and redis-server; PostgreSQL 15 is preinstalled on the project's machines).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** A free TCP port on 127.0.0.1 (asked from the OS, then released). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once something accepts TCP connections on the port, rejects after `timeoutMs`. */
export const waitForPort = async (port: number, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => {
        socket.destroy();
        resolve(false);
      });
      socket.connect(port, "127.0.0.1");
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
};

const findBinary = (candidates: ReadonlyArray<string>): string | undefined => {
  for (const c of candidates) {
    if (c.includes("/")) {
      if (existsSync(c)) return c;
    } else {
      const found = spawnSync("sh", ["-c", `command -v ${c}`], { encoding: "utf8" });
      if (found.status === 0 && found.stdout.trim() !== "") return found.stdout.trim();
    }
  }
  return undefined;
};

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0;

/** A server a test started. */
export interface TestServer {
  readonly port: number;
  readonly dir: string;
  /** Stops the server (its data stays until `stop`). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

const stopChild = (child: ChildProcess | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 3000).unref?.();
  });

// ---------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------

/** PostgreSQL's password for user `postgres` in the test servers (password auth on TCP). */
export const PG_PASSWORD = "dstreams-test";

/** A PostgreSQL server: `connectionString` logs in as `postgres` with {@link PG_PASSWORD}. */
export interface PostgresServer extends TestServer {
  readonly connectionString: string;
  /** Runs SQL through psql (as the server's superuser). */
  psql(sql: string): string;
}

const PG_BIN_DIRS = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];

/** initdb once per process, copied for every server: initdb costs seconds, a copy milliseconds. */
let pgTemplate: string | undefined;

export const startPostgres = async (): Promise<PostgresServer> => {
  const bin = PG_BIN_DIRS.find((d) => existsSync(join(d, "pg_ctl")));
  if (bin === undefined) {
    throw new Error(
      `PostgreSQL's server binaries were not found in ${PG_BIN_DIRS.join(", ")}: install them (apt-get install -y postgresql-15) to run the PostgreSQL tests`,
    );
  }
  // As root, PostgreSQL refuses to run: it runs as the postgres user, which owns the directory.
  const asUser: string[] = isRoot() ? ["runuser", "-u", "postgres", "--"] : [];
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...asUser, ...args];
    const res = spawnSync(cmd!, rest, { encoding: "utf8" });
    if (res.status !== 0) throw new Error(`${args.join(" ")} failed (status ${res.status}): ${res.stderr || res.stdout}`);
    return res.stdout;
  };
  const dir = mkdtempSync(join(tmpdir(), "dstreams-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  if (pgTemplate === undefined || !existsSync(pgTemplate)) {
    const template = mkdtempSync(join(tmpdir(), "dstreams-pg-template-"));
    chmodSync(template, 0o777);
    const pwfile = join(template, "pw");
    writeFileSync(pwfile, PG_PASSWORD + "\n", { mode: 0o644 });
    run([join(bin, "initdb"), "-D", join(template, "data"), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`, "--no-sync"]);
    pgTemplate = template;
    process.once("exit", () => rmSync(template, { recursive: true, force: true }));
  }
  run(["cp", "-a", join(pgTemplate, "data"), data]);
  const port = await freePort();
  const log = join(dir, "log");
  const start = () =>
    run([join(bin, "pg_ctl"), "-D", data, "-l", log, "-w", "-t", "20", "-o", `-k ${dir} -h 127.0.0.1 -p ${port} -c fsync=off -c max_connections=50`, "start"]);
  try {
    start();
  } catch (error) {
    const logText = existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "";
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL for the tests: ${(error as Error).message}\n${logText}`);
  }
  let running = true;
  // pg_ctl daemonizes the server: stop it even when the test process ends without stop().
  process.once("exit", () => {
    if (running) spawnSync(asUser[0] ?? join(bin, "pg_ctl"), [...asUser.slice(1), ...(asUser.length > 0 ? [join(bin, "pg_ctl")] : []), "-D", data, "-m", "immediate", "stop"]);
  });
  const kill = async () => {
    if (!running) return;
    running = false;
    try {
      run([join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]);
    } catch { /* already down */ }
  };
  const server: PostgresServer = {
    port,
    dir,
    connectionString: `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/postgres`,
    psql: (sql) => run([join(bin, "psql"), "-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qAtX", "-c", sql]),
    kill,
    restart: async () => {
      await kill();
      start();
      running = true;
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
};

// ---------------------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------------------

/** A Redis server; `url` is `redis://127.0.0.1:<port>`. */
export interface RedisServer extends TestServer {
  readonly url: string;
}

export const startRedis = async (options: { readonly password?: string } = {}): Promise<RedisServer> => {
  const binary = findBinary(["redis-server", "/usr/bin/redis-server"]);
  if (binary === undefined) {
    throw new Error("redis-server was not found: install it (apt-get install -y redis-server, as .ci/run does) to run the Redis tests");
  }
  const dir = mkdtempSync(join(tmpdir(), "dstreams-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    // Append-only file on, so a restart keeps the stream and the group's pending entries.
    const args = ["--bind", "127.0.0.1", "--port", String(port), "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "no"];
    if (options.password !== undefined) args.push("--requirepass", options.password);
    child = spawn(binary, args, { stdio: "ignore" });
    child.once("error", () => {});
    await waitForPort(port, 5000, "redis-server");
  };
  await start();
  const kill = () => stopChild(child);
  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

// ---------------------------------------------------------------------------------------
// NATS
// ---------------------------------------------------------------------------------------

/** A NATS server with JetStream; `servers` is `127.0.0.1:<port>`. */
export interface NatsServer extends TestServer {
  readonly servers: string;
}

export const startNats = async (options: { readonly user?: string; readonly password?: string } = {}): Promise<NatsServer> => {
  const binary = findBinary(["nats-server", "/usr/sbin/nats-server", "/usr/bin/nats-server"]);
  if (binary === undefined) {
    throw new Error("nats-server was not found: install it (apt-get install -y nats-server, as .ci/run does) to run the NATS tests");
  }
  const dir = mkdtempSync(join(tmpdir(), "dstreams-nats-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const args = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir];
    if (options.user !== undefined) args.push("--user", options.user, "--pass", options.password ?? "");
    child = spawn(binary, args, { stdio: "ignore" });
    child.once("error", () => {});
    await waitForPort(port, 5000, "nats-server");
  };
  await start();
  const kill = () => stopChild(child);
  return {
    port,
    dir,
    servers: `127.0.0.1:${port}`,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
