/**
 * What a PostgreSQL error means for a writer: try again (the server is down or restarting,
 * the connection broke), give up with a clear message (login refused, no such database),
 * or put the row aside as a dead letter (it breaks a constraint or a type).
 *
 * @module
 */

/** The fields of node-postgres's errors (and node's socket errors) that classify them. */
interface PgErrorFields {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly detail?: unknown;
  readonly constraint?: unknown;
  readonly column?: unknown;
}

const fields = (error: unknown): PgErrorFields => (typeof error === "object" && error !== null ? error as PgErrorFields : {});

const codeOf = (error: unknown): string => {
  const code = fields(error).code;
  return typeof code === "string" ? code : "";
};

const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);
/** admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, serialization_failure, deadlock_detected. */
const RETRY_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "40001", "40P01"]);

/** True when trying again later may succeed: no connection, a broken one, a server shutting down or starting. */
export const isTransient = (error: unknown): boolean => {
  const code = codeOf(error);
  if (SOCKET_CODES.has(code) || RETRY_SQLSTATES.has(code) || code.startsWith("08")) return true;
  const message = String(fields(error).message ?? "");
  // node-postgres's own errors for a connection that went away carry no code.
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|server closed the connection/i.test(message);
};

/** True when the server refused the login or the database: no retry helps. */
export const isLoginRefused = (error: unknown): boolean => {
  const code = codeOf(error);
  return code === "28P01" || code === "28000" || code === "3D000";
};

/** True when the statement failed because of the data: a constraint (class 23) or a value (class 22). */
export const isDataError = (error: unknown): boolean => {
  const code = codeOf(error);
  return code.startsWith("22") || code.startsWith("23");
};

/** The database's message with its detail, as a dead letter carries it: `null value in column "n" … (23502)`. */
export const databaseMessage = (error: unknown): string => {
  const f = fields(error);
  const message = String(f.message ?? error);
  const detail = typeof f.detail === "string" && f.detail !== "" ? ` (${f.detail})` : "";
  const code = codeOf(error);
  return `${message}${detail}${code === "" ? "" : ` [SQLSTATE ${code}]`}`;
};

/** Where a configuration points, for messages: `postgres@127.0.0.1:5432/app`. */
export const describeTarget = (config: { readonly host?: unknown; readonly port?: unknown; readonly user?: unknown; readonly database?: unknown }): string =>
  `${String(config.user ?? "(default user)")}@${String(config.host ?? "localhost")}:${String(config.port ?? 5432)}/${String(config.database ?? config.user ?? "")}`;
