/**
 * Session tracking with `mapWithState` timeouts.
 *
 * Click events arrive per batch; each user's session (first click, pages seen) is kept as
 * state. A user idle for longer than the timeout is called one last time with
 * `state.isTimingOut()` true: the session ends and is reported, then dropped. The clicks
 * come from a queue and time from a manual clock, so the run takes no real time:
 *
 *   npx tsx examples/sessions.ts
 *   npx deno run examples/sessions.ts
 *
 * Unlike Spark, timeouts are checked at every batch, so a session ends at the first batch
 * after its timeout (Spark checks only every tenth batch, at checkpoints).
 */
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
  type Time,
} from "../mod.ts";

interface Click {
  readonly user: string;
  readonly page: string;
}

interface Session {
  readonly start: number;
  readonly pages: ReadonlyArray<string>;
}

/** What the pipeline reports: a session started, or ended after being idle. */
type SessionEvent = string;

const clicks: ReadonlyArray<ReadonlyArray<Click>> = [
  [{ user: "alice", page: "/home" }, { user: "bob", page: "/home" }],
  [{ user: "alice", page: "/pricing" }],
  [{ user: "carol", page: "/docs" }, { user: "alice", page: "/signup" }],
  [],
  [{ user: "carol", page: "/docs/state" }],
  [],
  [{ user: "bob", page: "/home" }],
  [],
  [],
  [],
];

const trackSession = (time: Time, user: string, click: Option<Click>, state: State<Session>): Option<SessionEvent> => {
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

const clock = new ManualClock();
const ssc = new StreamingContext(new SparkContext({ appName: "Sessions" }), Seconds(1), { clock });

// A session ends after more than 2 s (two batches) without a click.
const sessions = pipe(
  ssc.queueStream(clicks),
  map((click: Click) => [click.user, click] as const),
  mapWithState(StateSpec.functionWithTime(trackSession).timeout(Seconds(2))),
);
pipe(sessions, pprint());
pipe(
  sessions.stateSnapshots(),
  foreachRDD((rdd, time) => {
    const open = rdd.collect().map(([user, session]) => `${user} (${session.pages.length})`);
    console.log(`open sessions at ${time}: ${open.length === 0 ? "none" : open.join(", ")}\n`);
  }),
);

ssc.start();
for (let i = 0; i < clicks.length; i++) await clock.advance(Seconds(1));
await ssc.stop();
