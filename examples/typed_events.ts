/**
 * JSON events decoded with io-ts: valid events are counted by kind, bad lines go to
 * a dead-letter stream with a readable reason, and every batch's counts add up.
 * The events come from a small custom receiver, so the example runs by itself and
 * stops after a few batches:
 *
 *   npx tsx examples/typed_events.ts [batches]
 *   npx deno run examples/typed_events.ts
 */
import process from "node:process";
import * as t from "io-ts";
import {
  jsonLines,
  map,
  pipe,
  pprint,
  Receiver,
  reduceByKey,
  Seconds,
  SparkContext,
  StreamingContext,
} from "../mod.ts";
import { runUntilStopped } from "./_run.ts";

/** What a valid event looks like. */
const Event = t.type({
  user: t.string,
  ts: t.number,
  kind: t.keyof({ click: null, view: null, buy: null }),
});

/** Emits a JSON line every 20 ms; three in eight are broken in some way. */
class EventSource extends Receiver<string> {
  #timer: ReturnType<typeof setInterval> | undefined;

  onStart(): void {
    let n = 0;
    const users = ["ann", "bob", "cy"];
    const kinds = ["click", "view", "buy"];
    this.#timer = setInterval(() => {
      n++;
      const event = { user: users[n % 3], ts: Date.now(), kind: kinds[(n * 7) % 3] };
      if (n % 8 === 3) this.store(`{"user": "${event.user}", "ts": `); // cut off
      else if (n % 8 === 5) this.store(JSON.stringify({ ...event, ts: "yesterday" }));
      else if (n % 8 === 7) this.store(JSON.stringify({ ...event, kind: "scroll" }));
      else this.store(JSON.stringify(event));
    }, 20);
  }

  onStop(): void {
    clearInterval(this.#timer);
  }
}

const stopAfterBatches = Number(process.argv[2] ?? 3);
const sc = new SparkContext({ appName: "TypedEvents", master: "local[2]" });
const ssc = new StreamingContext(sc, Seconds(1));

const { valid, rejected, counts } = ssc.receiverStream(new EventSource(), { maxRate: 1000 }).pipe(jsonLines(Event));

pipe(
  valid,
  map((event) => [event.kind, 1] as const),
  reduceByKey((a, b) => a + b),
  pprint(),
);
rejected.pipe(pprint(3)); // DeadLetter(<batch time>, <source>: <reason>; raw: <line>)
counts.pipe(pprint()); // received n, valid v, rejected r

await runUntilStopped(ssc, { stopAfterBatches });
