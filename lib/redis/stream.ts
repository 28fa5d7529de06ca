/**
 * `redisStream`: a Redis Streams source on a consumer group (Redis 5+; `XAUTOCLAIM` needs
 * 6.2). Each batch, at its batch time, takes in this order: this consumer's own pending
 * entries (left by an earlier run), entries other consumers of the group left pending for
 * longer than `claimIdleMs` (`XAUTOCLAIM`: a dead consumer's share; once a sweep has found
 * none left, the next comes `claimIdleMs / 10` later), then new entries
 * (`XREADGROUP … >`). Entries are acknowledged (`XACK`) only in `commit`, after the batch's
 * outputs and checkpoint; several processes in one group share the stream.
 *
 * For recovery the source records each batch's entry ids; a batch generated again after a
 * crash reads exactly those entries back (`XRANGE`), in the same order.
 *
 * @module
 */
import { hostname } from "node:os";
import process from "node:process";
import { createClient } from "redis";
import type { Time } from "../time/duration.ts";
import { InputDStream, type TakenBatch } from "../dstream/_input.ts";
import type { RateControl, StreamingGraph } from "../dstream/_graph.ts";
import type { DStream } from "../dstream/dstream.ts";
import type { DeadLetter } from "../dstream/dead_letter.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";
import { type StateCodec, v8StateCodec } from "../checkpoint/state_codec.ts";
import { graphOf, type StreamingContext } from "../context/streaming_context.ts";
import { batchBudget, brokerRateControl, checkBrokerOptions, checkRequiredStrings, type Decoded as DecodedAs, decodedBatch, errorText, splitDecoded } from "../sources/_broker_source.ts";

/**
 * One stream entry: its id (`1700000000000-0`) and its fields.
 *
 * @category inputs
 * @since 0.3.0
 */
export interface RedisEntry {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Options of {@link redisStream}.
 *
 * @category inputs
 * @since 0.3.0
 */
export interface RedisStreamOptions<A> {
  /** `redis://[user:password@]host:port[/db]`. */
  readonly url: string;
  /** The stream's key. */
  readonly stream: string;
  /** The consumer group, created (from the stream's start, `startId`) when missing. */
  readonly group: string;
  /** This process's name in the group; keep it stable across restarts (default `<hostname>-<pid>`). */
  readonly consumer?: string;
  /** Where a new group starts: `"0"` (the whole stream, default) or `"$"` (only new entries). */
  readonly startId?: string;
  /** Turns an entry into a record; a throw makes it a dead letter (default: the entry itself). */
  readonly decode?: (entry: RedisEntry) => A;
  /** Entries another consumer left pending longer than this are claimed (default 60 000 ms). */
  readonly claimIdleMs?: number;
  /** The most entries one batch takes (default 10 000). */
  readonly maxPerBatch?: number;
  /** The most entries per second (Spark's `maxRatePerPartition`); none by default. */
  readonly maxRate?: number;
  /** Backpressure (default: the context's setting). */
  readonly backpressure?: boolean;
  readonly initialRate?: number;
  readonly minRate?: number;
  /** The source's stable name in checkpoints (default `redisStreams:<stream>:<group>`). */
  readonly name?: string;
}

/**
 * What {@link redisStream} returns: the decoded records, a dead letter per entry that did
 * not decode, and the input itself.
 *
 * @category inputs
 * @since 0.3.0
 */
export interface RedisStreamSource<A> {
  readonly records: DStream<A>;
  readonly deadLetters: DStream<DeadLetter<RedisEntry>>;
  /** The input node: its Recoverable methods are what checkpoints call. */
  readonly input: RedisStreamInput<A>;
}

/** What a checkpoint keeps: the entry ids of every batch not yet committed. */
interface RedisState {
  readonly batches: ReadonlyArray<readonly [number, ReadonlyArray<string>]>;
}

type Decoded<A> = DecodedAs<A, RedisEntry>;

/** The few calls of node-redis's client this source makes (raw commands, so replies stay RESP-shaped). */
interface Client {
  sendCommand(args: ReadonlyArray<string>): Promise<unknown>;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: "error" | "ready", listener: (error?: unknown) => void): unknown;
}

/** Entry ids compare by time, then sequence. */
const compareIds = (a: string, b: string): number => {
  // Without splitting (no garbage): it runs once per entry of every batch.
  const ad = a.indexOf("-");
  const bd = b.indexOf("-");
  const am = ad === -1 ? a.length : ad;
  const bm = bd === -1 ? b.length : bd;
  if (am !== bm) return am - bm;
  for (let i = 0; i < am; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return sequenceOf(a, ad) - sequenceOf(b, bd);
};

/** The sequence part of an entry id whose "-" is at `dash` (0 without one). */
const sequenceOf = (id: string, dash: number): number => (dash === -1 ? 0 : Number(id.slice(dash + 1)));

/** True when the entries' ids ascend. */
const inOrder = (entries: ReadonlyArray<RedisEntry>): boolean => {
  for (let i = 1; i < entries.length; i++) if (compareIds(entries[i - 1]!.id, entries[i]!.id) > 0) return false;
  return true;
};

/** An entry as RESP gives it, `[id, [field, value, …]]`. */
const toEntry = (raw: unknown): RedisEntry | undefined => {
  if (!Array.isArray(raw) || typeof raw[0] !== "string") return undefined;
  const list = Array.isArray(raw[1]) ? (raw[1] as unknown[]) : [];
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) fields[String(list[i])] = String(list[i + 1]);
  return { id: raw[0], fields };
};

/** XREADGROUP's reply: a map (RESP3) or an array of `[key, entries]` (RESP2), or null. */
const readReply = (reply: unknown): RedisEntry[] => {
  if (reply === null || reply === undefined) return [];
  const streams: unknown[] = Array.isArray(reply) ? reply.map((s) => (Array.isArray(s) ? s[1] : [])) : Object.values(reply as Record<string, unknown>);
  const out: RedisEntry[] = [];
  for (const entries of streams) {
    if (!Array.isArray(entries)) continue;
    for (const raw of entries) {
      const e = toEntry(raw);
      if (e !== undefined) out.push(e);
    }
  }
  return out;
};

const isAuthError = (error: unknown): boolean => /WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username-password/i.test(errorText(error));

/**
 * The Redis Streams input node.
 *
 * @category inputs
 * @since 0.3.0
 */
export class RedisStreamInput<A> extends InputDStream<Decoded<A>> implements Recoverable<RedisState> {
  readonly role = "input" as const;
  readonly codec: StateCodec<RedisState> = v8StateCodec<RedisState>();
  readonly options: RedisStreamOptions<A>;
  readonly consumer: string;
  readonly #rate: RateControl | undefined;
  /** Entry ids per batch time, until committed. */
  readonly #batches = new Map<number, ReadonlyArray<string>>();
  /** Batches a restored checkpoint holds: generated again from these ids. */
  readonly #recorded = new Map<number, ReadonlyArray<string>>();
  /** Ids in some uncommitted batch: never taken twice. */
  readonly #inFlight = new Set<string>();
  #client: Client | undefined;
  #connected = false;
  #everConnected = false;
  #ownPendingDone = false;
  /**
   * With checkpointing on, each batch's ids are also written to Redis when the batch is
   * fixed (a hash per consumer), because a checkpoint is written only after the batch's
   * outputs: a batch whose outputs ran just before a crash is read back from there.
   */
  #logged: Map<number, ReadonlyArray<string>> | undefined;
  /**
   * With checkpointing on, a fresh start takes nothing until the first checkpoint is durable
   * (the first `commit`): before it, a crash restarts on a new grid of batch times, and a
   * batch whose outputs ran could not be told apart from a new one.
   */
  #ready = false;
  #waitLogged = false;
  #claimCursor = "0-0";
  /** When an `XAUTOCLAIM` sweep last reached the end of the group's pending entries (performance.now()). */
  #sweptAt = Number.NEGATIVE_INFINITY;
  #stopped = false;

  constructor(graph: StreamingGraph, options: RedisStreamOptions<A>) {
    // The node's kind is also the Recoverable's: "redisStreams".
    super(graph, "redisStreams");
    this.options = options;
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}`;
    this.#rate = brokerRateControl(graph, this as InputDStream<unknown>, options);
    graph.registerRecoverable(this as Recoverable<unknown>);
  }

  override get name(): string {
    return this.options.name ?? `redisStreams:${this.options.stream}:${this.options.group}`;
  }

  override start(): void {
    this.#stopped = false;
  }

  override async stop(): Promise<void> {
    this.#stopped = true;
    const client = this.#client;
    this.#client = undefined;
    this.#connected = false;
    if (client !== undefined) await client.close().catch(() => client.destroy());
  }

  /** Connects once; a failure at the first connection is an error naming the server. */
  async #connection(): Promise<Client> {
    if (this.#client !== undefined) return this.#client;
    const url = this.options.url;
    const client = createClient({
      url,
      // While disconnected, commands fail at once (a batch takes nothing) instead of queueing.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5000,
        reconnectStrategy: (retries: number, cause: Error) => (this.#everConnected && !this.#stopped ? Math.min(50 * 2 ** retries, 2000) : cause),
      },
    }) as unknown as Client;
    client.on("error", (error: unknown) => {
      if (this.#connected) this.context.logger.warn(`${this.name}: connection to Redis at ${safeUrl(url)} lost (${errorText(error)}); reconnecting`);
      this.#connected = false;
    });
    client.on("ready", () => {
      if (this.#everConnected && !this.#connected) this.context.logger.info(`${this.name}: reconnected to Redis at ${safeUrl(url)}`);
      this.#connected = true;
    });
    try {
      await client.connect();
    } catch (error) {
      client.destroy();
      throw new Error(
        isAuthError(error)
          ? `${this.name}: Redis at ${safeUrl(url)} refused the login (${errorText(error)}): check the user and password in redisStream's url`
          : `${this.name}: cannot connect to Redis at ${safeUrl(url)} (${errorText(error)}): is redis-server running there?`,
        { cause: error },
      );
    }
    this.#everConnected = true;
    this.#connected = true;
    try {
      await client.sendCommand(["XGROUP", "CREATE", this.options.stream, this.options.group, this.options.startId ?? "0", "MKSTREAM"]);
    } catch (error) {
      if (!/BUSYGROUP/.test(errorText(error))) {
        client.destroy();
        throw new Error(
          isAuthError(error)
            ? `${this.name}: Redis at ${safeUrl(url)} refused the login (${errorText(error)}): check the user and password in redisStream's url`
            : `${this.name}: cannot create consumer group ${this.options.group} on ${this.options.stream}: ${errorText(error)}`,
          { cause: error },
        );
      }
    }
    this.#client = client;
    return client;
  }

  /** Batches up to this time are generated again after a restore: they take what they took the first time. */
  #replayUntil = Number.NEGATIVE_INFINITY;

  /** How many entries the batch may take: maxPerBatch, the rate, and less while backlogged. */
  #budget(time: Time): number {
    return batchBudget(this as InputDStream<unknown>, this.#rate, this.options, time, this.#replayUntil);
  }

  protected override async take(time: Time): Promise<TakenBatch<Decoded<A>>> {
    const recorded = this.#recorded.get(time.milliseconds) ?? (await this.#batchLog()).get(time.milliseconds);
    if (recorded !== undefined) {
      this.#recorded.delete(time.milliseconds);
      this.#logged?.delete(time.milliseconds);
      return this.#batch(time, await this.#reread(time, recorded));
    }
    const client = await this.#connection();
    if (this.context.checkpointing && !this.#ready) {
      if (!this.#waitLogged) this.context.logger.info(`${this.name}: waits for the first checkpoint before taking anything (a crash before it would restart on other batch times)`);
      this.#waitLogged = true;
      this.#batches.set(time.milliseconds, []);
      return this.#batch(time, []);
    }
    const budget = this.#budget(time);
    const taken: RedisEntry[] = [];
    const keep = (entries: ReadonlyArray<RedisEntry>) => {
      for (const e of entries) {
        if (taken.length >= budget) break;
        if (this.#inFlight.has(e.id)) continue;
        this.#inFlight.add(e.id);
        taken.push(e);
      }
    };
    const { stream, group } = this.options;
    try {
      // 1. This consumer's own pending entries, from an earlier run that did not acknowledge them.
      if (!this.#ownPendingDone) {
        let cursor = "0";
        while (taken.length < budget) {
          const entries = readReply(await client.sendCommand(["XREADGROUP", "GROUP", group, this.consumer, "COUNT", String(budget), "STREAMS", stream, cursor]));
          if (entries.length === 0) {
            this.#ownPendingDone = true;
            break;
          }
          keep(entries);
          cursor = entries[entries.length - 1]!.id;
        }
      }
      // 2. Entries a dead (or slow) consumer left pending longer than claimIdleMs. After a
      // sweep that reached the end, the next waits a tenth of that (a round trip per batch saved).
      const claimIdleMs = this.options.claimIdleMs ?? 60_000;
      if (taken.length < budget && performance.now() - this.#sweptAt >= claimIdleMs / 10) {
        const reply = await client.sendCommand([
          "XAUTOCLAIM", stream, group, this.consumer, String(claimIdleMs), this.#claimCursor, "COUNT", String(budget - taken.length),
        ]) as unknown[];
        this.#claimCursor = typeof reply?.[0] === "string" ? reply[0] : "0-0";
        if (this.#claimCursor === "0-0") this.#sweptAt = performance.now();
        const claimed = Array.isArray(reply?.[1]) ? (reply[1] as unknown[]).map(toEntry).filter((e): e is RedisEntry => e !== undefined) : [];
        if (claimed.length > 0) this.context.logger.info(`${this.name}: claimed ${claimed.length} entries left pending by other consumers of ${group}`);
        keep(claimed);
      }
      // 3. New entries.
      if (taken.length < budget) {
        keep(readReply(await client.sendCommand(["XREADGROUP", "GROUP", group, this.consumer, "COUNT", String(budget - taken.length), "STREAMS", stream, ">"])));
      }
    } catch (error) {
      if (isAuthError(error)) throw new Error(`${this.name}: Redis refused the command (${errorText(error)}): check the user and password in redisStream's url`, { cause: error });
      // Entries read so far are in this consumer's pending list: they go into this batch; the rest waits in Redis.
      this.context.logger.warn(`${this.name}: Redis at ${safeUrl(this.options.url)} unavailable at batch ${time} (${errorText(error)}); this batch takes ${taken.length} entries, the rest waits in Redis`);
    }
    // Each read gives entries in id order; only a batch mixing them needs sorting.
    if (!inOrder(taken)) taken.sort((a, b) => compareIds(a.id, b.id));
    const ids = taken.map((e) => e.id);
    this.#batches.set(time.milliseconds, ids);
    if (this.context.checkpointing && ids.length > 0) {
      try {
        await client.sendCommand(["HSET", this.#logKey(), String(time.milliseconds), ids.join(",")]);
      } catch (error) {
        this.context.logger.warn(`${this.name}: could not record batch ${time}'s entry ids in Redis (${errorText(error)}): if the process dies before this batch's checkpoint, the batch is formed again from the pending entries`);
      }
    }
    return this.#batch(time, taken);
  }

  #logKey(): string {
    return `${this.options.stream}:dstreams:${this.options.group}:${this.consumer}`;
  }

  /** The batches recorded in Redis by an earlier run (read once, only with checkpointing on). */
  async #batchLog(): Promise<Map<number, ReadonlyArray<string>>> {
    if (this.#logged !== undefined) return this.#logged;
    const logged = new Map<number, ReadonlyArray<string>>();
    if (this.context.checkpointing) {
      const client = await this.#connection();
      // A fresh start (no checkpoint restored): what an earlier run logged has other batch times.
      if (this.#restoredStateMs === Number.POSITIVE_INFINITY) await client.sendCommand(["DEL", this.#logKey()]);
      const reply = await client.sendCommand(["HGETALL", this.#logKey()]);
      const pairs: Array<[string, string]> = Array.isArray(reply)
        ? Array.from({ length: Math.floor(reply.length / 2) }, (_, i) => [String(reply[2 * i]), String(reply[2 * i + 1])] as [string, string])
        : Object.entries((reply ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)] as [string, string]);
      // Batches up to the restored state's time were committed by the checkpoint, but the crash
      // may have come before their XACK: acknowledge them now, or they would be taken again.
      const done: string[] = [];
      const doneFields: string[] = [];
      for (const [t, ids] of pairs) {
        const list = ids === "" ? [] : ids.split(",");
        if (Number(t) > this.#restoredStateMs) logged.set(Number(t), list);
        else {
          done.push(...list);
          doneFields.push(t);
        }
      }
      for (let i = 0; i < done.length; i += 5000) await client.sendCommand(["XACK", this.options.stream, this.options.group, ...done.slice(i, i + 5000)]);
      if (doneFields.length > 0) await client.sendCommand(["HDEL", this.#logKey(), ...doneFields]);
      for (const ids of logged.values()) for (const id of ids) this.#inFlight.add(id);
    }
    this.#logged = logged;
    return logged;
  }

  /** The state's batch time of the restored checkpoint: logged batches up to it were committed. */
  #restoredStateMs = Number.POSITIVE_INFINITY;

  /** A recorded batch, read back by id (`XRANGE` over its span, keeping its ids). */
  async #reread(time: Time, ids: ReadonlyArray<string>): Promise<RedisEntry[]> {
    this.#batches.set(time.milliseconds, ids);
    for (const id of ids) this.#inFlight.add(id);
    if (ids.length === 0) return [];
    const client = await this.#connection();
    const wanted = new Set(ids);
    const found: RedisEntry[] = [];
    let start = ids[0]!;
    const end = ids[ids.length - 1]!;
    for (;;) {
      const raw = await client.sendCommand(["XRANGE", this.options.stream, start, end, "COUNT", "10000"]) as unknown[];
      const entries = raw.map(toEntry).filter((e): e is RedisEntry => e !== undefined);
      for (const e of entries) if (wanted.has(e.id)) found.push(e);
      if (entries.length < 10000) break;
      start = `(${entries[entries.length - 1]!.id}`;
    }
    if (found.length !== ids.length) {
      this.context.logger.error(
        `${this.name}: batch ${time} is generated again after recovery, but ${ids.length - found.length} of its ${ids.length} entries are no longer in ${this.options.stream} (trimmed or deleted): they cannot be processed again`,
      );
    }
    return found;
  }

  #batch(time: Time, entries: ReadonlyArray<RedisEntry>): TakenBatch<Decoded<A>> {
    return decodedBatch(this as InputDStream<unknown>, time, entries, this.options.decode, { counted: "redisEntries", rejected: "redisRejected" });
  }

  snapshot(_time: Time, stateTime: Time): RedisState {
    const batches: Array<readonly [number, ReadonlyArray<string>]> = [];
    for (const [t, ids] of this.#batches) if (t > stateTime.milliseconds) batches.push([t, [...ids]]);
    for (const [t, ids] of this.#recorded) if (t > stateTime.milliseconds) batches.push([t, [...ids]]);
    batches.sort((a, b) => a[0] - b[0]);
    return { batches };
  }

  restore(state: RedisState, _time: Time, stateTime: Time): void {
    this.#replayUntil = this.context.clock.now();
    this.#ready = true;
    this.#restoredStateMs = stateTime.milliseconds;
    this.#logged = undefined;
    for (const [t, ids] of state.batches) {
      if (t <= stateTime.milliseconds) continue;
      this.#recorded.set(t, ids);
      for (const id of ids) this.#inFlight.add(id);
    }
  }

  async commit(stateTime: Time): Promise<void> {
    this.#ready = true;
    const due = [...this.#batches.keys()].filter((t) => t <= stateTime.milliseconds).sort((a, b) => a - b);
    if (due.length === 0) return;
    const ids = due.flatMap((t) => this.#batches.get(t)!);
    const client = await this.#connection();
    // Chunks of 5,000 ids, sent together (the client pipelines them: one round trip).
    const acks: Array<Promise<unknown>> = [];
    for (let i = 0; i < ids.length; i += 5000) acks.push(client.sendCommand(["XACK", this.options.stream, this.options.group, ...ids.slice(i, i + 5000)]));
    await Promise.all(acks);
    if (this.context.checkpointing) {
      await client.sendCommand(["HDEL", this.#logKey(), ...due.map(String)]).catch(() => {});
    }
    // Only once acknowledged: a failed XACK leaves them for the next commit.
    for (const t of due) {
      for (const id of this.#batches.get(t)!) this.#inFlight.delete(id);
      this.#batches.delete(t);
    }
  }
}

const safeUrl = (url: string): string => {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(unparsable url)";
  }
};

const checkOptions = <A>(options: RedisStreamOptions<A>): void => {
  checkRequiredStrings(options, "redisStream", ["url", "stream", "group"]);
  checkBrokerOptions(options, "redisStream", "entry");
};

/**
 * A stream of a Redis stream's entries, read through the consumer group `group`.
 *
 * @example
 * ```ts ignore
 * import { redisStream } from "@dstreams/dstreams/redis";
 * const { records, deadLetters } = redisStream(ssc, {
 *   url: "redis://127.0.0.1:6379",
 *   stream: "clicks",
 *   group: "sessions",
 *   consumer: "worker-1",
 *   decode: (entry) => ({ user: entry.fields.user!, at: Number(entry.fields.at) }),
 * });
 * ```
 * @category inputs
 * @since 0.3.0
 */
export const redisStream = <A = RedisEntry>(ssc: StreamingContext, options: RedisStreamOptions<A>): RedisStreamSource<A> => {
  checkOptions(options);
  const input = new RedisStreamInput<A>(graphOf(ssc), options);
  return { ...splitDecoded(input), input };
};
