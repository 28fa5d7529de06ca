/**
 * dstreams/postgres: PostgreSQL as a sink. `saveToPostgres` writes every batch of a stream
 * into a table, upserted by key or exactly once per batch and partition; for outputs of
 * your own, `withBatchTransaction` (PostgreSQL) and `transactionalBatch` (any store) give
 * the same exactly-once pattern inside `rdd.foreachPartition`. Needs the `pg` package
 * (node-postgres 8), which the core (`dstreams`) never imports.
 *
 * @module
 */
export { type PostgresRetry, type PostgresSink, saveToPostgres, type SaveToPostgresOptions } from "./lib/postgres/save.ts";
export {
  type BatchTransactionOptions,
  DEFAULT_PROGRESS_TABLE,
  ensureProgressTable,
  transactionalBatch,
  type TransactionalBatchSteps,
  withBatchTransaction,
} from "./lib/postgres/transaction.ts";
