/**
 * `saveToPostgres`: every batch of a stream into a PostgreSQL table, one transaction per
 * partition, with a pooled connection per partition (Spark's "Design Patterns for using
 * foreachRDD").
 *
 * - `"upsert"`: `INSERT … SELECT * FROM unnest(…) ON CONFLICT (keys) DO UPDATE`: a batch
 *   written twice (after a crash, a retry) leaves the table as written once.
 * - `"exactly-once"`: each (batch time, partition) is written together with a progress row
 *   and skipped when that row exists (see `withBatchTransaction`), so even a table without
 *   a key gets each record once.
 *
 * A row the database rejects (a constraint, a bad value) becomes a dead letter with the
 * database's message, and the rest of its partition is written. A server that is down or
 * restarting is retried, with a warning per attempt; a refused login fails the batch at
 * once with what to check.
 *
 * @module
 */
import pg from "pg";
import type { ClientBase, Pool, PoolClient, PoolConfig } from "pg";
import type { DStream } from "../dstream/dstream.ts";
import { nodeOf } from "../dstream/_node.ts";
import type { DStreamNode } from "../dstream/_node.ts";
import { DeadLetter } from "../dstream/dead_letter.ts";
import type { Logger } from "../dstream/_graph.ts";
import type { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import { describeValue } from "../_describe.ts";
import { databaseMessage, describeTarget, isDataError, isLoginRefused, isTransient } from "./_errors.ts";
import { quoteIdent, quoteName } from "./_sql.ts";
import { DEFAULT_PROGRESS_TABLE, withBatchTransaction } from "./transaction.ts";

/**
 * How to retry while the server cannot be reached (down, restarting, too many connections).
 *
 * @category outputs
 * @since 0.3.0
 */
export interface PostgresRetry {
  /** Attempts per partition before the batch fails (default 30). */
  readonly attempts?: number;
  /** The first pause, doubled after each failure (default 100 ms). */
  readonly initialDelayMs?: number;
  /** The longest pause (default 2000 ms). */
  readonly maxDelayMs?: number;
}

/**
 * Options of {@link saveToPostgres}.
 *
 * @category outputs
 * @since 0.3.0
 */
export interface SaveToPostgresOptions<A> {
  /** The table (`events`, `app.events`); it must exist. */
  readonly table: string;
  /** `"upsert"` (idempotent by `keyColumns`) or `"exactly-once"` (a progress row per batch and partition). */
  readonly mode: "upsert" | "exactly-once";
  /**
   * The primary key or a unique constraint's columns: rows with the same key are updated.
   * Required for `"upsert"`; in `"exactly-once"` mode without them, rows are inserted.
   * Within a partition the last record of a key wins; partitions are written concurrently,
   * so keep each key in one partition (as `reduceByKey` and other keyed operations do).
   */
  readonly keyColumns?: ReadonlyArray<string>;
  /** The columns written; by default the first record's own keys. */
  readonly columns?: ReadonlyArray<string>;
  /** Turns a record of the batch at `batchTime` into a row (by default the record is the row, e.g. `{ word, count }`). */
  readonly row?: (record: A, batchTime: Time) => Readonly<Record<string, unknown>>;
  /** A connection string, node-postgres's pool settings, or a `pg.Pool` the caller owns. */
  readonly connection: string | PoolConfig | Pool;
  /** Names the output in progress rows (default: the table); keep it stable across runs. */
  readonly query?: string;
  /** Where progress rows go in `"exactly-once"` mode (default `dstreams_progress`, created when missing). */
  readonly progressTable?: string;
  readonly retry?: PostgresRetry;
  /** Called with each row the database rejected, after its partition committed. */
  readonly onDeadLetter?: (letter: DeadLetter<A>) => void | Promise<void>;
}

/**
 * What {@link saveToPostgres} returns: running totals, the latest dead letters, and
 * `close()` for the pool it opened.
 *
 * @category outputs
 * @since 0.3.0
 */
export interface PostgresSink<A> {
  /** The output's name in logs and batch metrics. */
  readonly name: string;
  /** Rows committed so far. */
  readonly written: number;
  /** Rows the database rejected so far (each a dead letter). */
  readonly rejected: number;
  /** Partitions skipped because they were committed before (`"exactly-once"`). */
  readonly skippedPartitions: number;
  /** The latest dead letters (up to 1000). */
  readonly deadLetters: ReadonlyArray<DeadLetter<A>>;
  /** Ends the pool this sink opened (not one the caller passed). */
  close(): Promise<void>;
}

/** A table's columns and their types, read once. */
interface TableShape {
  readonly types: ReadonlyMap<string, string>;
}

const KEPT_DEAD_LETTERS = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const checkOptions = <A>(options: SaveToPostgresOptions<A>): void => {
  if (typeof options !== "object" || options === null) throw new TypeError(`saveToPostgres needs options { table, mode, connection, keyColumns }, got ${describeValue(options)}`);
  if (typeof options.table !== "string" || options.table.trim() === "") throw new TypeError(`saveToPostgres's table must be a table name, got ${describeValue(options.table)}`);
  if (options.mode !== "upsert" && options.mode !== "exactly-once") {
    throw new TypeError(`saveToPostgres's mode must be "upsert" or "exactly-once", got ${describeValue(options.mode)}`);
  }
  const keys = options.keyColumns;
  if (keys !== undefined && (!Array.isArray(keys) || keys.some((k) => typeof k !== "string"))) {
    throw new TypeError(`saveToPostgres's keyColumns must be an array of column names, got ${describeValue(keys)}`);
  }
  if (options.mode === "upsert" && (keys === undefined || keys.length === 0)) {
    throw new TypeError(
      `saveToPostgres in "upsert" mode needs keyColumns (the primary key or a unique constraint's columns of ${options.table}): rows are updated by them; use mode "exactly-once" to insert rows without a key`,
    );
  }
  if (options.connection === undefined || options.connection === null) {
    throw new TypeError(`saveToPostgres needs a connection: a connection string ("postgres://user:password@host:5432/db"), pool settings or a pg.Pool`);
  }
};

const isPool = (c: unknown): c is Pool => typeof c === "object" && c !== null && typeof (c as Pool).connect === "function" && typeof (c as Pool).query === "function";

/**
 * Writes every batch of `stream` into the PostgreSQL table `table` (an output operation):
 * a transaction per partition, upserted by `keyColumns` or exactly once per batch and
 * partition.
 *
 * @example
 * ```ts ignore
 * import { saveToPostgres } from "@dstreams/dstreams/postgres";
 * const sink = saveToPostgres(wordCounts, {
 *   table: "word_counts",
 *   keyColumns: ["word"],
 *   mode: "upsert",
 *   row: ([word, count]) => ({ word, count }),
 *   connection: "postgres://app:secret@127.0.0.1:5432/app",
 * });
 * // … after ssc.stop():
 * await sink.close();
 * ```
 * @category outputs
 * @since 0.3.0
 */
export const saveToPostgres = <A>(stream: DStream<A>, options: SaveToPostgresOptions<A>): PostgresSink<A> => {
  checkOptions(options);
  const node = nodeOf(stream, "saveToPostgres") as DStreamNode<A>;
  const writer = new PostgresWriter<A>(node, options);
  node.context.registerOutput(node, `saveToPostgres(${options.table})`, (rdd, time) => writer.write(rdd, time));
  return writer;
};

class PostgresWriter<A> implements PostgresSink<A> {
  readonly name: string;
  written = 0;
  rejected = 0;
  skippedPartitions = 0;
  readonly deadLetters: Array<DeadLetter<A>> = [];
  readonly #options: SaveToPostgresOptions<A>;
  readonly #node: DStreamNode<A>;
  readonly #logger: Logger;
  readonly #ownsPool: boolean;
  readonly #target: string;
  #pool: Pool | undefined;
  #shape: TableShape | undefined;

  constructor(node: DStreamNode<A>, options: SaveToPostgresOptions<A>) {
    this.#options = options;
    this.#node = node;
    this.#logger = node.context.logger;
    this.name = `saveToPostgres(${options.table})`;
    const connection = options.connection;
    this.#ownsPool = !isPool(connection);
    if (isPool(connection)) {
      this.#pool = connection;
      this.#target = describeTarget(connection.options ?? {});
    } else {
      const config: PoolConfig = typeof connection === "string" ? { connectionString: connection } : connection;
      this.#target = describeTarget(typeof connection === "string" ? parseTarget(connection) : connection);
      // Idle connections do not keep the process alive; a broken idle one is only logged.
      this.#pool = undefined;
      this.#config = { max: 10, idleTimeoutMillis: 10_000, allowExitOnIdle: true, connectionTimeoutMillis: 5000, ...config };
    }
  }

  #config: PoolConfig = {};

  #getPool(): Pool {
    if (this.#pool === undefined) {
      const pool = new pg.Pool(this.#config);
      pool.on("error", (error) => this.#logger.warn(`${this.name}: an idle connection to ${this.#target} failed: ${databaseMessage(error)}`));
      this.#pool = pool;
    }
    return this.#pool;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    if (pool !== undefined && this.#ownsPool) {
      this.#pool = undefined;
      await pool.end();
    }
  }

  async write(rdd: RDD<A>, time: Time): Promise<void> {
    let written = 0;
    let rejected = 0;
    let skipped = 0;
    const letters: Array<DeadLetter<A>> = [];
    await rdd.foreachPartition(async (records, partition) => {
      if (records.length === 0 && this.#options.mode === "upsert") return;
      const outcome = await this.#withRetries(time, partition, (client) => this.#writePartition(client, records, time, partition));
      if (outcome === "skipped") {
        skipped++;
        return;
      }
      written += outcome.written;
      rejected += outcome.letters.length;
      letters.push(...outcome.letters);
    });
    this.written += written;
    this.rejected += rejected;
    this.skippedPartitions += skipped;
    for (const letter of letters) {
      this.deadLetters.push(letter);
      if (this.deadLetters.length > KEPT_DEAD_LETTERS) this.deadLetters.shift();
      this.#logger.warn(`${this.name}: ${letter}`);
      await this.#options.onDeadLetter?.(letter);
    }
    this.#node.context.reportBatchMetrics(this.#node, time, { postgresWritten: written, postgresRejected: rejected, postgresSkippedPartitions: skipped });
  }

  /** Runs one partition's transaction, again while the server cannot be reached. */
  async #withRetries<R>(time: Time, partition: number, attempt: (client: PoolClient) => Promise<R>): Promise<R> {
    const retry = this.#options.retry ?? {};
    const attempts = Math.max(1, retry.attempts ?? 30);
    let delay = retry.initialDelayMs ?? 100;
    const maxDelay = retry.maxDelayMs ?? 2000;
    const started = Date.now();
    for (let n = 1;; n++) {
      let client: PoolClient | undefined;
      // A checked-out client whose connection drops emits "error" (the pool listens only to
      // idle ones): without a listener that would crash the process; the query rejects anyway.
      const onError = (error: Error) => this.#logger.warn(`${this.name}: the connection to ${this.#target} failed: ${databaseMessage(error)}`);
      try {
        client = await this.#getPool().connect();
        client.on("error", onError);
        const result = await attempt(client);
        client.off("error", onError);
        client.release();
        return result;
      } catch (error) {
        // A connection that failed mid-transaction is not given back to the pool.
        client?.off("error", onError);
        client?.release(true);
        if (isLoginRefused(error)) {
          throw new Error(
            `${this.name}: PostgreSQL refused the connection as ${this.#target}: ${databaseMessage(error)}. Check the user, password and database in saveToPostgres's connection`,
            { cause: error },
          );
        }
        if (!isTransient(error)) throw error;
        if (n >= attempts) {
          throw new Error(
            `${this.name}: cannot write batch ${time} partition ${partition}: PostgreSQL at ${this.#target} is unreachable after ${n} attempts over ${Date.now() - started} ms (${databaseMessage(error)}). Is the server running? The batch is not committed upstream, so a restart writes it again`,
            { cause: error },
          );
        }
        this.#logger.warn(
          `${this.name}: PostgreSQL at ${this.#target} unavailable writing batch ${time} partition ${partition} (${databaseMessage(error)}); retrying in ${delay} ms (attempt ${n}/${attempts})`,
        );
        await sleep(delay);
        delay = Math.min(maxDelay, delay * 2);
      }
    }
  }

  async #tableShape(client: ClientBase): Promise<TableShape> {
    if (this.#shape !== undefined) return this.#shape;
    const table = quoteName(this.#options.table);
    const found = await client.query<{ attname: string; type: string }>(
      `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table],
    );
    if (found.rows.length === 0) {
      throw new Error(`${this.name}: table ${this.#options.table} does not exist in ${this.#target}: create it first (CREATE TABLE ${table} (…))`);
    }
    const types = new Map(found.rows.map((r) => [r.attname, r.type] as const));
    for (const key of this.#options.keyColumns ?? []) {
      if (!types.has(key)) throw new Error(`${this.name}: key column "${key}" is not a column of ${this.#options.table} (its columns: ${[...types.keys()].join(", ")})`);
    }
    this.#shape = { types };
    return this.#shape;
  }

  /** The rows of a partition, or a dead letter for a record that is not one. */
  #rows(records: ReadonlyArray<A>, time: Time): { rows: Array<{ record: A; row: Readonly<Record<string, unknown>> }>; letters: Array<DeadLetter<A>> } {
    const toRow = this.#options.row;
    const rows: Array<{ record: A; row: Readonly<Record<string, unknown>> }> = [];
    const letters: Array<DeadLetter<A>> = [];
    for (const record of records) {
      try {
        const row = toRow === undefined ? record : toRow(record, time);
        if (typeof row !== "object" || row === null || Array.isArray(row)) {
          letters.push(new DeadLetter(record, [`not a row: ${describeValue(row)}; give saveToPostgres a row function, e.g. row: ([word, count]) => ({ word, count })`], time, this.name));
        } else {
          rows.push({ record, row: row as Readonly<Record<string, unknown>> });
        }
      } catch (error) {
        letters.push(new DeadLetter(record, [`row(record) threw: ${(error as Error)?.message ?? String(error)}`], time, this.name));
      }
    }
    return { rows, letters };
  }

  #columns(rows: ReadonlyArray<{ row: Readonly<Record<string, unknown>> }>, shape: TableShape): ReadonlyArray<string> {
    const columns = this.#options.columns ?? Object.keys(rows[0]?.row ?? {});
    for (const c of columns) {
      if (!shape.types.has(c)) throw new Error(`${this.name}: "${c}" is not a column of ${this.#options.table} (its columns: ${[...shape.types.keys()].join(", ")}); name the columns to write with columns: [...]`);
      const type = shape.types.get(c)!;
      if (type.endsWith("[]")) {
        throw new Error(`${this.name}: column "${c}" has an array type (${type}): saveToPostgres writes with unnest, which flattens arrays; store it as jsonb instead`);
      }
    }
    return columns;
  }

  async #writePartition(client: PoolClient, records: ReadonlyArray<A>, time: Time, partition: number): Promise<"skipped" | { written: number; letters: Array<DeadLetter<A>> }> {
    const shape = await this.#tableShape(client);
    const { rows, letters } = this.#rows(records, time);
    const write = async (tx: ClientBase, bulkFirst = true) => {
      const outcome = rows.length === 0 ? { written: 0, letters: [] as Array<DeadLetter<A>> } : await this.#insert(tx, rows, shape, time, bulkFirst);
      return { written: outcome.written, letters: [...letters, ...outcome.letters] };
    };
    if (this.#options.mode === "upsert") {
      if (rows.length === 0) return { written: 0, letters };
      // One statement is its own transaction: the partition's rows commit together, in one
      // round trip instead of five (BEGIN, SAVEPOINT, INSERT, RELEASE, COMMIT).
      const bulk = await this.#insertAll(client, rows, shape);
      if (bulk !== undefined) return { written: bulk, letters };
      // Some row is bad (nothing was written): row by row in one transaction, to find which.
      await client.query("BEGIN");
      try {
        const result = await write(client, false);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    }
    const done = await withBatchTransaction(
      client,
      { query: this.#options.query ?? this.#options.table, batchTime: time.milliseconds, partition, progressTable: this.#options.progressTable ?? DEFAULT_PROGRESS_TABLE },
      write,
    );
    return done.written ? done.result : "skipped";
  }

  /** The statement for these columns: one `unnest` of a typed array per column. */
  #statement(columns: ReadonlyArray<string>, shape: TableShape): string {
    const keys = this.#options.keyColumns ?? [];
    const list = columns.map(quoteIdent).join(", ");
    const arrays = columns.map((c, i) => `$${i + 1}::${shape.types.get(c)}[]`).join(", ");
    let sql = `INSERT INTO ${quoteName(this.#options.table)} (${list}) SELECT * FROM unnest(${arrays})`;
    if (keys.length > 0) {
      const others = columns.filter((c) => !keys.includes(c));
      sql += ` ON CONFLICT (${keys.map(quoteIdent).join(", ")}) DO ` +
        (others.length === 0 ? "NOTHING" : `UPDATE SET ${others.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(", ")}`);
    }
    return sql;
  }

  /** The statement, its parameters for some rows, and the rows to write (the last of each key). */
  #prepared(rows: ReadonlyArray<{ record: A; row: Readonly<Record<string, unknown>> }>, shape: TableShape) {
    const columns = this.#columns(rows, shape);
    const keys = this.#options.keyColumns ?? [];
    // ON CONFLICT cannot touch one row twice in a statement: the last record of a key wins, as row by row.
    let unique = rows;
    if (keys.length > 0) {
      const last = new Map<unknown, { record: A; row: Readonly<Record<string, unknown>> }>();
      const only = keys.length === 1 ? keys[0]! : undefined;
      for (const r of rows) {
        // One string or number key is its own map key; anything else compares by its JSON.
        const v = only === undefined ? undefined : r.row[only];
        last.set(typeof v === "string" || typeof v === "number" ? v : JSON.stringify(keys.map((k) => keyPart(r.row[k]))), r);
      }
      unique = [...last.values()];
    }
    const sql = this.#statement(columns, shape);
    const params = (some: ReadonlyArray<{ row: Readonly<Record<string, unknown>> }>) => columns.map((c) => some.map((r) => toParam(r.row[c], shape.types.get(c)!)));
    return { sql, params, unique };
  }

  /** All rows in one statement outside a transaction: how many were written, or `undefined` when the database rejected some row (then none was). */
  async #insertAll(client: ClientBase, rows: ReadonlyArray<{ record: A; row: Readonly<Record<string, unknown>> }>, shape: TableShape): Promise<number | undefined> {
    const { sql, params, unique } = this.#prepared(rows, shape);
    try {
      await client.query(sql, params(unique));
      return unique.length;
    } catch (error) {
      if (!isDataError(error)) throw error;
      return undefined;
    }
  }

  async #insert(
    tx: ClientBase,
    rows: ReadonlyArray<{ record: A; row: Readonly<Record<string, unknown>> }>,
    shape: TableShape,
    time: Time,
    bulkFirst = true,
  ): Promise<{ written: number; letters: Array<DeadLetter<A>> }> {
    const { sql, params, unique } = this.#prepared(rows, shape);
    if (bulkFirst) {
      await tx.query("SAVEPOINT dstreams_bulk");
      try {
        await tx.query(sql, params(unique));
        await tx.query("RELEASE SAVEPOINT dstreams_bulk");
        return { written: unique.length, letters: [] };
      } catch (error) {
        if (!isDataError(error)) throw error;
        await tx.query("ROLLBACK TO SAVEPOINT dstreams_bulk");
      }
    }
    // Some row is bad: row by row, each under its own savepoint, to find which.
    let written = 0;
    const letters: Array<DeadLetter<A>> = [];
    for (const r of unique) {
      await tx.query("SAVEPOINT dstreams_row");
      try {
        await tx.query(sql, params([r]));
        await tx.query("RELEASE SAVEPOINT dstreams_row");
        written++;
      } catch (error) {
        if (!isDataError(error)) throw error;
        await tx.query("ROLLBACK TO SAVEPOINT dstreams_row");
        letters.push(new DeadLetter(r.record, [databaseMessage(error)], time, this.name));
      }
    }
    return { written, letters };
  }
}

const keyPart = (v: unknown): unknown => (typeof v === "bigint" ? `${v}n` : v instanceof Date ? v.toISOString() : v);

/** A value as node-postgres sends it inside an array: json as text, undefined as NULL. */
const toParam = (v: unknown, type: string): unknown => {
  if (v === undefined) return null;
  if ((type === "json" || type === "jsonb") && v !== null) return JSON.stringify(v);
  if (typeof v === "bigint") return v.toString();
  return v;
};

/** The user, host, port and database of a connection string, for messages (never the password). */
const parseTarget = (connection: string): { host?: string; port?: string; user?: string; database?: string } => {
  try {
    const url = new URL(connection);
    return { host: url.hostname, port: url.port || "5432", user: decodeURIComponent(url.username), database: url.pathname.slice(1) };
  } catch {
    return {};
  }
};
