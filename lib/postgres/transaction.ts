/**
 * Exactly-once output, the pattern of Spark's guide ("Semantics of output operations"):
 * each (batch time, partition) is written in one transaction together with a progress
 * row that names it, and a batch whose progress row is already there is skipped. A batch
 * generated again after a crash (same time, same partitions, same content) is thereby
 * written once, however often it runs.
 *
 * @module
 */
import type { ClientBase } from "pg";
import { quoteName } from "./_sql.ts";

/**
 * The steps of one transactional write, for any store: `transactionalBatch` runs them.
 *
 * @category outputs
 * @since 0.3.0
 */
export interface TransactionalBatchSteps<T> {
  /** Opens the transaction. */
  readonly begin: () => Promise<T>;
  /** True when this batch and partition were committed before (its progress marker exists). */
  readonly alreadyCommitted: (tx: T) => Promise<boolean>;
  /** Writes the records inside the transaction. */
  readonly write: (tx: T) => Promise<void>;
  /** Records the progress marker and commits, both or neither. */
  readonly commit: (tx: T) => Promise<void>;
  /** Abandons the transaction (after a skip or a failure). */
  readonly rollback: (tx: T) => Promise<void>;
}

/**
 * Runs one transactional write: `"skipped"` when it was committed before, `"written"`
 * once committed now. A failing step rolls back and rethrows.
 *
 * @example
 * ```ts
 * import { transactionalBatch } from "./transaction.ts";
 * import assert from "node:assert";
 * const committed = new Set<string>(["1000/0"]);
 * const table: string[] = [];
 * const run = (id: string, rows: string[]) =>
 *   transactionalBatch({
 *     begin: async () => ({ rows: [] as string[] }),
 *     alreadyCommitted: async () => committed.has(id),
 *     write: async (tx) => void tx.rows.push(...rows),
 *     commit: async (tx) => {
 *       table.push(...tx.rows);
 *       committed.add(id);
 *     },
 *     rollback: async () => {},
 *   });
 * assert.equal(await run("1000/0", ["a"]), "skipped");
 * assert.equal(await run("2000/0", ["b"]), "written");
 * assert.equal(await run("2000/0", ["b"]), "skipped");
 * assert.deepEqual(table, ["b"]);
 * ```
 * @category outputs
 * @since 0.3.0
 */
export const transactionalBatch = async <T>(steps: TransactionalBatchSteps<T>): Promise<"written" | "skipped"> => {
  const tx = await steps.begin();
  try {
    if (await steps.alreadyCommitted(tx)) {
      await steps.rollback(tx);
      return "skipped";
    }
    await steps.write(tx);
    await steps.commit(tx);
    return "written";
  } catch (error) {
    try {
      await steps.rollback(tx);
    } catch {
      // The first error says what went wrong; a broken connection cannot roll back anyway.
    }
    throw error;
  }
};

/**
 * Which batch and partition a transaction writes, and where progress rows are kept.
 *
 * @category outputs
 * @since 0.3.0
 */
export interface BatchTransactionOptions {
  /** Names the output: progress rows are per query (e.g. the table written). */
  readonly query: string;
  /** The batch's time, in milliseconds (`time.milliseconds` in `foreachRDD`). */
  readonly batchTime: number;
  /** The partition's index (`index` in `foreachPartition`). */
  readonly partition: number;
  /** The progress table, created when missing: `dstreams_progress` by default. */
  readonly progressTable?: string;
}

/** The progress table's default name. @since 0.3.0 */
export const DEFAULT_PROGRESS_TABLE = "dstreams_progress";

const ensured = new WeakMap<object, Set<string>>();

/**
 * Creates the progress table when it is missing: one row per (query, batch time,
 * partition) committed.
 *
 * @category outputs
 * @since 0.3.0
 */
export const ensureProgressTable = async (client: ClientBase, table: string = DEFAULT_PROGRESS_TABLE): Promise<void> => {
  const done = ensured.get(client) ?? new Set<string>();
  if (done.has(table)) return;
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoteName(table)} (query text NOT NULL, batch_time bigint NOT NULL, partition integer NOT NULL, ` +
        `committed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (query, batch_time, partition))`,
    );
  } catch (error) {
    // Two writers creating it at once: one wins, the other sees a duplicate type or table
    // (23505 on pg_type, 42710 duplicate object, 42P07 duplicate table).
    const code = (error as { code?: unknown }).code;
    if (code !== "23505" && code !== "42P07" && code !== "42710") throw error;
  }
  done.add(table);
  ensured.set(client, done);
};

/**
 * Runs `write` and the progress row of (`query`, `batchTime`, `partition`) in one
 * transaction on `client`, unless that progress row exists: then nothing is written
 * (`{ written: false }`). Use it in `foreachPartition` with a pooled client per partition:
 *
 * @example
 * ```ts ignore
 * pipe(counts, foreachRDD((rdd, time) =>
 *   rdd.foreachPartition(async (records, partition) => {
 *     const client = await pool.connect();
 *     try {
 *       await withBatchTransaction(client, { query: "word_counts", batchTime: time.milliseconds, partition }, (tx) =>
 *         tx.query("INSERT INTO word_counts SELECT * FROM unnest($1::text[], $2::int[])", [records.map((r) => r[0]), records.map((r) => r[1])]));
 *     } finally {
 *       client.release();
 *     }
 *   })));
 * ```
 * @category outputs
 * @since 0.3.0
 */
export const withBatchTransaction = async <R>(
  client: ClientBase,
  options: BatchTransactionOptions,
  write: (client: ClientBase) => Promise<R>,
): Promise<{ readonly written: true; readonly result: R } | { readonly written: false }> => {
  const table = quoteName(options.progressTable ?? DEFAULT_PROGRESS_TABLE);
  await ensureProgressTable(client, options.progressTable ?? DEFAULT_PROGRESS_TABLE);
  const key = [options.query, options.batchTime, options.partition];
  let result: R | undefined;
  try {
    const outcome = await transactionalBatch({
      begin: async () => {
        await client.query("BEGIN");
        return client;
      },
      alreadyCommitted: async (tx) => (await tx.query(`SELECT 1 FROM ${table} WHERE query = $1 AND batch_time = $2 AND partition = $3`, key)).rowCount! > 0,
      write: async (tx) => {
        result = await write(tx);
      },
      commit: async (tx) => {
        await tx.query(`INSERT INTO ${table} (query, batch_time, partition) VALUES ($1, $2, $3)`, key);
        await tx.query("COMMIT");
      },
      rollback: async (tx) => {
        await tx.query("ROLLBACK");
      },
    });
    return outcome === "written" ? { written: true, result: result as R } : { written: false };
  } catch (error) {
    // Another writer committed the same batch and partition meanwhile: its write stands.
    const e = error as { code?: unknown; constraint?: unknown; table?: unknown };
    if (e.code === "23505" && typeof e.constraint === "string" && e.constraint.endsWith("_pkey") && String(e.table ?? "") === unquoted(options.progressTable ?? DEFAULT_PROGRESS_TABLE)) {
      return { written: false };
    }
    throw error;
  }
};

/** The table's own name as the server reports it in errors. */
const unquoted = (name: string): string => {
  const last = name.split(".").at(-1)!;
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last.toLowerCase();
};
