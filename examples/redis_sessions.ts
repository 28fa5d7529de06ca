/**
 * Sessions over a Redis stream: click entries (`XADD clicks * user alice page /home`) read
 * through the consumer group "sessions", one session per user kept with `mapWithState`;
 * a user idle for more than 2 s ends their session. Entries that are not clicks become dead
 * letters.
 *
 *   npx tsx examples/redis_sessions.ts --demo        # starts a temporary redis-server, adds clicks, runs 6 batches
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/redis_sessions.ts
 *   npx deno run -A examples/redis_sessions.ts --demo
 *
 * The demo drives time with a manual clock (a batch per second of pretend time), so it
 * takes no real time beyond Redis's own.
 */
import process from "node:process";
import { createClient } from "redis";
import {
  foreachRDD,
  isNone,
  ManualClock,
  map,
  mapWithState,
  none,
  type Option,
  pipe,
  pprint,
  Seconds,
  some,
  SparkContext,
  type State,
  StateSpec,
  StreamingContext,
  SystemClock,
  type Time,
} from "../mod.ts";
import { type RedisEntry, redisStream } from "../redis.ts";
import { runUntilStopped } from "./_run.ts";

interface Click {
  readonly user: string;
  readonly page: string;
}

interface Session {
  readonly start: number;
  readonly pages: ReadonlyArray<string>;
}

const decodeClick = (entry: RedisEntry): Click => {
  const { user, page } = entry.fields;
  if (user === undefined || page === undefined) throw new Error(`a click needs fields user and page, got ${Object.keys(entry.fields).join(", ") || "none"}`);
  return { user, page };
};

const trackSession = (time: Time, user: string, click: Option<Click>, state: State<Session>): Option<string> => {
  if (state.isTimingOut()) {
    const { start, pages } = state.get();
    return some(`${user}'s session ended: ${pages.length} clicks from ${start} ms (${pages.join(" → ")})`);
  }
  if (isNone(click)) return none;
  if (!state.exists()) {
    state.update({ start: time.milliseconds, pages: [click.value.page] });
    return some(`${user}'s session started at ${time}`);
  }
  const session = state.get();
  state.update({ ...session, pages: [...session.pages, click.value.page] });
  return none;
};

const demo = process.argv.includes("--demo");
let url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
let stopServer: (() => Promise<void>) | undefined;
if (demo) {
  const { startRedis } = await import("../tests/_servers.ts");
  const server = await startRedis();
  url = server.url;
  stopServer = () => server.stop();
  const client = createClient({ url });
  await client.connect();
  const clicks = [["alice", "/home"], ["bob", "/home"], ["alice", "/pricing"], ["carol", "/docs"], ["alice", "/signup"]];
  for (const [user, page] of clicks) await client.sendCommand(["XADD", "clicks", "*", "user", user!, "page", page!]);
  await client.sendCommand(["XADD", "clicks", "*", "note", "not a click"]);
  await client.close();
}

const clock = demo ? new ManualClock() : new SystemClock();
const ssc = new StreamingContext(new SparkContext({ appName: "RedisSessions" }), Seconds(1), { clock });
const { records, deadLetters } = redisStream(ssc, { url, stream: "clicks", group: "sessions", consumer: "sessions-1", decode: decodeClick, maxPerBatch: 2 });
const sessions = pipe(
  records,
  map((click: Click) => [click.user, click] as const),
  mapWithState(StateSpec.functionWithTime(trackSession).timeout(Seconds(2))),
);
pipe(sessions, pprint());
pipe(deadLetters, foreachRDD((rdd) => rdd.collect().forEach((letter) => console.log(`dead letter: ${letter}`))));

if (demo && clock instanceof ManualClock) {
  ssc.start();
  for (let i = 0; i < 6; i++) await clock.advance(Seconds(1));
  await ssc.stop();
  await stopServer?.();
} else {
  await runUntilStopped(ssc);
}
