import t from "tap";
import { request } from "node:http";
import { foreachRDD, pipe, Seconds } from "../mod.ts";
import { startUI } from "../ui.ts";
import { listenerBusOf } from "../lib/context/_listener_bus.ts";
import { StatusLine, type Terminal } from "../lib/ui/_status_line.ts";
import { UIStore } from "../lib/ui/_store.ts";
import { testContext } from "./_contexts.ts";
import { FAILURE, LINES, uiJob } from "./_ui_job.ts";

const get = async (url: string, init: RequestInit = {}): Promise<{ status: number; body: string; type: string }> => {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text(), type: res.headers.get("content-type") ?? "" };
};

const json = async (url: string): Promise<unknown> => JSON.parse((await get(url)).body);

t.test("the listener bus: a slow listener does not slow the batches, and a full queue drops events with a counted warning", async (t) => {
  const { ssc, clock, log } = testContext();
  const seen: number[] = [];
  pipe(ssc.queueStream([[1], [2], [3], [4], [5], [6], [7], [8]], { oneAtATime: true }), foreachRDD((rdd) => void seen.push(...rdd.collect())));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const slowSaw: number[] = [];
  const slow = {
    onBatchCompleted: async ({ batchInfo }: { readonly batchInfo: { readonly batchTime: { readonly milliseconds: number } } }) => {
      slowSaw.push(batchInfo.batchTime.milliseconds);
      await held; // a listener stuck on I/O
    },
  };
  const fastSaw: number[] = [];
  const bus = listenerBusOf(ssc);
  bus.add(slow, { capacity: 3 });
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void fastSaw.push(batchInfo.batchTime.milliseconds) });
  ssc.start();
  await clock.advance(Seconds(8));
  t.same(seen, [1, 2, 3, 4, 5, 6, 7, 8], "every batch ran while the slow listener was stuck in its first event");
  t.same(fastSaw, [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000], "another listener got every event, in order");
  t.same(slowSaw, [1000], "the slow listener is still in its first event");
  // 8 batches post 4 events each for this listener (submitted, started, output started, output completed) and a completed: 41 events with start.
  const status = bus.status(slow)!;
  t.equal(status.pending, 3, "its queue holds its capacity");
  t.ok(status.dropped > 30, `the rest were dropped and counted (${status.dropped})`);
  const warnings = log.filter((line) => line.includes("Dropping an event for a StreamingListener whose queue is full (3 events)"));
  t.equal(warnings.length, 1, "one warning, not one per event");
  release();
  await bus.idle();
  t.ok(slowSaw.length >= 1 && slowSaw.length <= 2, "after it catches up it gets the events its queue kept");
  await ssc.stop();
});

t.test("a listener that throws or rejects is logged and kept", async (t) => {
  const { ssc, clock, log } = testContext();
  pipe(ssc.queueStream([[1], [2]], { oneAtATime: true }), foreachRDD(() => {}));
  let calls = 0;
  ssc.addStreamingListener({
    onBatchCompleted: () => {
      calls++;
      if (calls === 1) throw new Error("listener bug");
      return Promise.reject(new Error("async listener bug"));
    },
  });
  ssc.start();
  await clock.advance(Seconds(2));
  await listenerBusOf(ssc).idle();
  t.equal(calls, 2);
  t.equal(log.filter((line) => line.includes("A StreamingListener threw; it is kept")).length, 2);
  await ssc.stop();
});

t.test("the REST API answers in Spark's shapes with the listener's figures", async (t) => {
  const job = uiJob({ failAt: 3000 });
  const ui = await startUI(job.ssc, { port: 0, statusLine: false });
  t.teardown(() => ui.close());
  t.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, "bound to loopback");
  job.ssc.start();
  await job.clock.advance(Seconds(LINES.length));
  await listenerBusOf(job.ssc).idle();
  const base = `${ui.url}api/v1/applications/ui-test/streaming`;
  const stats = await json(`${base}/statistics`) as Record<string, unknown>;
  const records = job.completed.reduce((n, b) => n + b.numRecords, 0);
  t.match(stats, {
    batchDuration: 1000,
    numTotalCompletedBatches: job.completed.length,
    numRetainedCompletedBatches: job.completed.length,
    numActiveBatches: 0,
    numProcessedRecords: records,
    numReceivedRecords: records,
    avgInputRate: records / LINES.length,
  });
  t.match(stats["startTime"], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}GMT$/, "Spark's date format");
  const listed = await json(`${base}/batches`) as Array<Record<string, unknown>>;
  t.same(listed.map((b) => b["batchId"]), job.completed.map((b) => b.batchTime.milliseconds).reverse(), "newest first");
  t.same(listed.map((b) => b["inputSize"]), job.completed.map((b) => b.numRecords).reverse());
  const failed = listed.find((b) => b["batchId"] === 3000)!;
  t.match(failed, { status: "COMPLETED", numFailedOutputOps: 1, numCompletedOutputOps: 1, numTotalOutputOps: 2 });
  t.match(failed["firstFailureReason"], "the sink is down");
  const ops = await json(`${base}/batches/3000/operations`) as Array<Record<string, unknown>>;
  t.same(ops.map((o) => [o["outputOpId"], o["name"]]), [[0, "pprint"], [1, "foreachRDD"]]);
  t.equal(ops[0]!["failureReason"], null);
  t.match(ops[1]!["failureReason"], FAILURE);
  t.same(await json(`${base}/receivers`), [], "a queue stream has no receiver");
  t.same((await json(`${ui.url}api/v1/applications`) as Array<{ id: string }>)[0]!.id, ui.appId);
  t.equal((await get(`${ui.url}api/v1/applications/${ui.appId}/streaming/statistics`)).status, 200, "the app id works as well as its name");
  t.equal((await get(`${ui.url}api/v1/applications/other/streaming/statistics`)).status, 404);
  await job.ssc.stop();
});

t.test("/metrics is Prometheus text: batches, records, delay histograms, state sizes, dead letters", async (t) => {
  const job = uiJob();
  const ui = await startUI(job.ssc, { port: 0, statusLine: false });
  t.teardown(() => ui.close());
  job.ssc.start();
  await job.clock.advance(Seconds(LINES.length));
  await listenerBusOf(job.ssc).idle();
  const { status, body, type } = await get(`${ui.url}metrics`);
  t.equal(status, 200);
  t.match(type, "text/plain; version=0.0.4");
  t.match(body, "# TYPE dstreams_batches_completed_total counter\n");
  t.match(body, `\ndstreams_batches_completed_total ${LINES.length}\n`);
  t.match(body, `\ndstreams_records_received_total{input="lines"} 13\n`);
  t.match(body, "# TYPE dstreams_total_delay_seconds histogram\n");
  t.match(body, `\ndstreams_total_delay_seconds_bucket{le="+Inf"} ${LINES.length}\n`);
  t.match(body, `\ndstreams_total_delay_seconds_count ${LINES.length}\n`);
  t.match(body, `\ndstreams_state_entries{stream="totals"} 6\n`, "a, b, c, d, e, f");
  t.match(body, `\ndstreams_dead_letters_total{decoder="${job.decoderName}"} 2\n`);
  t.match(body, `\ndstreams_decoded_records_total{decoder="${job.decoderName}",outcome="valid"} 11\n`);
  t.match(body, "\ndstreams_listener_events_dropped_total 0\n");
  for (const line of body.trim().split("\n")) {
    t.match(line, /^(# (HELP|TYPE) \S+ .+|[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? [-+0-9.eInf]+)$/, "a valid exposition line");
  }
  await job.ssc.stop();
});

t.test("the live snapshot: lineage with kinds, records per node and state size; dead letters per decoder", async (t) => {
  const job = uiJob();
  const ui = await startUI(job.ssc, { port: 0, statusLine: false });
  t.teardown(() => ui.close());
  job.ssc.start();
  await job.clock.advance(Seconds(4));
  await listenerBusOf(job.ssc).idle();
  const controller = new AbortController();
  const res = await fetch(`${ui.url}events`, { signal: controller.signal });
  t.match(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("\n\n", text.indexOf("data: "))) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  const snapshot = JSON.parse(text.slice(text.indexOf("data: ") + 6, text.indexOf("\n\n", text.indexOf("data: ")))) as {
    lineage: Array<{ name: string; kind: string; parents: number[]; stateful: boolean; outputs: string[] }>;
    lastNodeRecords: Record<string, number>;
    stateSizes: Record<string, number>;
    deadLetters: Array<Record<string, unknown>>;
    completed: Array<{ batchTime: number; numRecords: number }>;
  };
  const byName = new Map(snapshot.lineage.map((n) => [n.name, n]));
  t.equal(byName.get("lines")?.kind, "queueStream");
  t.equal(byName.get("totals")?.kind, "updateStateByKey");
  t.ok(byName.get("totals")?.stateful);
  t.same(byName.get("totals")?.outputs, ["foreachRDD (output 1)"]);
  t.same(byName.get("word-counts")?.outputs, ["pprint (output 0)"]);
  t.equal(snapshot.lastNodeRecords["lines"], 4, "the input's records of the last batch");
  t.equal(snapshot.lastNodeRecords[job.decoderName], 4, "the decoder's");
  t.equal(snapshot.lastNodeRecords["word-counts"], 4, "a stream read by two outputs is cached, so its records are known");
  t.same(snapshot.stateSizes, { totals: 6 });
  t.same(snapshot.deadLetters, [{ decoder: job.decoderName, received: 11, valid: 9, rejected: 2 }]);
  t.same(snapshot.completed.map((b) => b.numRecords), job.completed.map((b) => b.numRecords).reverse());
  await job.ssc.stop();
});

t.test("it keeps the last retainedBatches completed batches", async (t) => {
  const job = uiJob();
  const ui = await startUI(job.ssc, { port: 0, statusLine: false, retainedBatches: 2 });
  t.teardown(() => ui.close());
  job.ssc.start();
  await job.clock.advance(Seconds(LINES.length));
  await listenerBusOf(job.ssc).idle();
  const base = `${ui.url}api/v1/applications/ui-test/streaming`;
  t.same((await json(`${base}/batches`) as Array<Record<string, unknown>>).map((b) => b["batchId"]), [6000, 5000]);
  t.match(await json(`${base}/statistics`), { numTotalCompletedBatches: 6, numRetainedCompletedBatches: 2 });
  t.equal((await get(`${ui.url}batch?time=1000`)).status, 404, "a forgotten batch's page is gone");
  await job.ssc.stop();
});

t.test("safety: read-only, 404 for unknown paths, loopback Host only, names and errors escaped", async (t) => {
  const job = uiJob({ appName: `<script>window.__pwned = 1</script> & "co"`, failAt: 2000 });
  const ui = await startUI(job.ssc, { port: 0, statusLine: false });
  t.teardown(() => ui.close());
  job.ssc.start();
  await job.clock.advance(Seconds(3));
  await listenerBusOf(job.ssc).idle();
  for (const path of ["nope", "static/other.js", "api/v1/applications/x/streaming/statistics", "api/v1/applications/x/jobs", "batch?time=abc", "batch?time=9000"]) {
    t.equal((await get(`${ui.url}${path}`)).status, 404, `/${path}`);
  }
  const post = await get(`${ui.url}`, { method: "POST" });
  t.equal(post.status, 405, "only GET and HEAD");
  const stop = await get(`${ui.url}stop`, { method: "POST", headers: { "X-Dstreams-Stop": "yes" } });
  t.equal(stop.status, 405, "stopping is off unless enabled");
  t.match(stop.body, "killEnabled: true");
  t.equal(job.ssc.getState(), "ACTIVE");
  const page = await get(ui.url);
  t.notMatch(page.body, "<script>window", "the app name is not markup");
  t.match(page.body, "&lt;script&gt;window.__pwned = 1&lt;/script&gt; &amp; &quot;co&quot;");
  t.equal((page.body.match(/<script/g) ?? []).length, 1, "one script: the page's own");
  const res = await fetch(ui.url);
  t.match(res.headers.get("content-security-policy"), "script-src 'self'", "no inline script can run");
  const batch = await get(`${ui.url}batch?time=2000`);
  t.equal(batch.status, 200);
  t.notMatch(batch.body, "<img", "the error message is not markup");
  t.match(batch.body, "&lt;img src=x onerror=&quot;window.__pwned = 1&quot;&gt; the sink is down");
  // A page from elsewhere that rebinds its DNS name to 127.0.0.1 is refused.
  const rebound = await new Promise<number>((resolve, reject) => {
    const url = new URL(ui.url);
    request({ host: url.hostname, port: url.port, path: "/", headers: { host: "evil.example:80" } }, (r) => {
      r.resume();
      resolve(r.statusCode ?? 0);
    }).on("error", reject).end();
  });
  t.equal(rebound, 421);
  await job.ssc.stop();
});

t.test("with killEnabled the job can be stopped, only by a POST carrying the UI's header", async (t) => {
  const job = uiJob();
  const ui = await startUI(job.ssc, { port: 0, statusLine: false, killEnabled: true });
  t.teardown(() => ui.close());
  job.ssc.start();
  t.equal((await get(`${ui.url}stop`, { method: "POST" })).status, 405, "a plain form POST (another site) cannot");
  t.equal(job.ssc.getState(), "ACTIVE");
  t.equal((await get(`${ui.url}stop`, { method: "POST", headers: { "X-Dstreams-Stop": "yes" } })).status, 202);
  t.equal(job.ssc.getState(), "STOPPED");
  t.ok(job.log.some((line) => line.includes("Stopping the job: asked from the UI")));
});

t.test("binding elsewhere than loopback is warned about; a taken port moves to the next", async (t) => {
  const job = uiJob();
  const first = await startUI(job.ssc, { port: 0, statusLine: false, host: "0.0.0.0" });
  t.teardown(() => first.close());
  t.ok(job.log.some((line) => line.startsWith("WARN") && line.includes("The UI is bound to 0.0.0.0, not to loopback")));
  const loopback = await startUI(job.ssc, { port: 0, statusLine: false });
  t.teardown(() => loopback.close());
  const second = await startUI(job.ssc, { port: loopback.port, statusLine: false });
  t.teardown(() => second.close());
  // The next port up, unless a parallel test's ephemeral socket took it first: then the one after.
  t.ok(second.port > loopback.port && second.port <= loopback.port + 16, `port ${second.port} follows the taken ${loopback.port}`);
  await t.rejects(startUI(job.ssc, { port: 70000 }), /port must be a whole number from 0 to 65535, got number 70000/);
  await t.rejects(startUI(job.ssc, { retainedBatches: 0 }), /retainedBatches must be a positive whole number, got number 0/);
  await t.rejects(startUI({} as never), /Expected a StreamingContext/);
});

t.test("the status line: drawn on the terminal, cleared before every other line, drawn again after", async (t) => {
  const job = uiJob({ failAt: 2000 });
  const screen: string[] = [];
  const stream = (name: string) => ({ isTTY: true, columns: 200, write: (chunk: unknown) => (screen.push(`${name}:${String(chunk)}`), true) });
  const fakeConsole = { log: (...data: unknown[]) => void terminal.stdout.write(`${data.join(" ")}\n`), info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
  const terminal: Terminal = { stdout: stream("out"), stderr: stream("err"), console: fakeConsole };
  const store = new UIStore(job.ssc, { retainedBatches: 10 });
  job.ssc.addStreamingListener(store);
  const line = new StatusLine(store, terminal);
  line.start();
  job.ssc.start();
  await job.clock.advance(Seconds(2));
  await new Promise((resolve) => setTimeout(resolve, 80)); // the redraw is debounced
  terminal.console.log("-------------------------------------------\nTime: 2000 ms\n-------------------------------------------\n(a,1)\n");
  await new Promise((resolve) => setTimeout(resolve, 80));
  line.stop();
  const drawn = screen.filter((s) => s.startsWith("err:\r\x1b[2K") && s.length > "err:\r\x1b[2K".length);
  t.ok(drawn.length >= 2, "drawn, then drawn again after the printed block");
  t.match(drawn.at(-1), /ui-test \| 2 batches \| last 00:00:02 \| 3 records\/s \| scheduling 0 ms \| processing 0 ms \| total 0 ms \| last error: foreachRDD: .*the sink is down/);
  const printed = screen.findIndex((s) => s.startsWith("out:---"));
  t.equal(screen[printed - 1], "err:\r\x1b[2K", "the line is cleared just before the block");
  t.notOk(screen[printed - 1]!.length > 8 && screen[printed - 1]!.endsWith("\n"));
  t.equal(screen.at(-1), "err:\r\x1b[2K", "stop() leaves the line clear");
  t.equal(typeof terminal.stdout.write, "function");
  await job.ssc.stop();
});
