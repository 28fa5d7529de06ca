// The live page in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core. Screenshots are kept in tests/output/ui/.
import t from "tap";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { chromium } from "playwright-core";
import { Seconds } from "../mod.ts";
import { startUI } from "../ui.ts";
import { listenerBusOf } from "../lib/context/_listener_bus.ts";
import { FAILURE, LINES, uiJob } from "./_ui_job.ts";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const OUTPUT = fileURLToPath(new URL("./output/ui/", import.meta.url));

const launch = (path = CHROMIUM) => {
  if (!existsSync(path)) {
    throw new Error(
      `The browser tests need Chromium at ${path}, and it is not there: install it with ` +
        "`apt-get update && apt-get install -y chromium` (Debian, Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary",
    );
  }
  return chromium.launch({
    executablePath: path,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
};


/** A duration as the page shows it (lib/ui/_assets.ts): ms below a second, then seconds, then minutes. */
const shownDuration = (ms: number): string =>
  ms < 1000 ? `${Math.round(ms)} ms` : ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60000).toFixed(1)} min`;

t.test("without Chromium the browser tests fail saying how to install it", (t) => {
  t.throws(() => launch("/nowhere/chromium"), /Chromium at \/nowhere\/chromium.*apt-get update && apt-get install -y chromium/);
  t.end();
});

t.test("the live page shows the listener's figures, draws its charts and the failing batch's error", async (t) => {
  mkdirSync(OUTPUT, { recursive: true });
  const job = uiJob({ failAt: 3000 });
  const ui = await startUI(job.ssc, { port: 0, statusLine: false, pushIntervalMs: 20 });
  const browser = await launch();
  t.teardown(async () => {
    await browser.close();
    await ui.close();
    if (job.ssc.getState() !== "STOPPED") await job.ssc.stop();
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => void pageErrors.push(String(error)));
  page.on("console", (message) => void (message.type() === "error" && pageErrors.push(message.text())));
  await page.goto(ui.url);
  await page.waitForSelector("#connection.live");

  job.ssc.start();
  await job.clock.advance(Seconds(LINES.length));
  await listenerBusOf(job.ssc).idle();
  await page.waitForSelector(`body[data-completed="${LINES.length}"]`, { timeout: 10_000 });

  // The numbers shown are the listener's.
  const records = job.completed.reduce((n, b) => n + b.numRecords, 0);
  t.equal(await page.textContent("#stat-completed"), String(job.completed.length));
  t.equal(await page.textContent("#stat-records"), String(records));
  t.equal(await page.textContent("#stat-failed"), "1");
  for (const info of job.completed) {
    const row = `#completed-batches tr[data-batch-time="${info.batchTime.milliseconds}"]`;
    t.equal(await page.textContent(`${row} td.records`), `${info.numRecords} records`, `records of batch ${info.batchTime}`);
    t.equal(await page.textContent(`${row} td.processing`), shownDuration(info.processingDelay ?? 0));
    t.equal(await page.textContent(`${row} td.total`), shownDuration(info.totalDelay ?? 0));
  }
  t.equal(await page.locator("#completed-batches tbody tr").count(), job.completed.length);

  // The failing batch shows its error, as text.
  const failed = `#completed-batches tr[data-batch-time="3000"]`;
  t.match(await page.textContent(`${failed} pre.error`), `foreachRDD: Error: ${FAILURE}`);
  t.match(await page.textContent(`${failed} td:nth-child(6)`), "1/2 succeeded");
  t.match(await page.textContent("#last-error"), FAILURE);
  t.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined, "no markup from the job ran");

  // The charts draw: a line through every batch and histogram bars, with the batch interval marked.
  for (const chart of ["input-rate", "scheduling-delay", "processing-time", "total-delay"]) {
    const line = page.locator(`#chart-${chart} svg.timeline polyline`);
    t.equal(await line.getAttribute("data-points"), String(LINES.length), `${chart}: one point per batch`);
    t.ok(((await line.getAttribute("points")) ?? "").split(" ").length >= LINES.length, `${chart}: the line has its points`);
    t.ok(await page.locator(`#chart-${chart} svg.histogram rect.bar`).count() > 0, `${chart}: the histogram has bars`);
  }
  t.equal(await page.locator("#chart-processing-time svg.timeline line.interval").count(), 1, "the batch interval is marked");
  const box = await page.locator("#chart-input-rate svg.timeline").boundingBox();
  t.ok(box !== null && box.width > 100 && box.height > 50, "the chart is laid out");

  // Inputs, lineage and dead letters.
  t.equal(await page.textContent("#inputs tbody tr td:first-child"), "lines");
  t.equal(await page.textContent("#inputs tbody tr td:nth-child(2)"), String(records));
  t.match(await page.textContent(`#lineage g.node[data-name="totals"]`), "updateStateByKey");
  t.match(await page.textContent(`#lineage g.node[data-name="totals"] text.extra`), "state: 6 keys");
  t.equal(await page.textContent(`#lineage g.node[data-name="lines"] text.records`), `records: ${LINES.at(-1)!.length}`);
  t.ok(await page.locator("#lineage path.edge").count() >= 4, "the edges are drawn");
  t.same(await page.locator("#dead-letters tbody tr td").allTextContents(), [job.decoderName, "13", "11", "2"]);
  await page.screenshot({ path: `${OUTPUT}streaming-page.png`, fullPage: true });

  // The batch's own page, with each output operation and its error.
  await page.click(`${failed} td:first-child a`);
  await page.waitForSelector("#operations");
  t.equal(await page.textContent("#batch-records"), String(job.completed.find((b) => b.batchTime.milliseconds === 3000)!.numRecords));
  t.same(await page.locator("#operations tbody tr td:nth-child(4)").allTextContents(), ["succeeded", "failed"]);
  t.match(await page.textContent("#operations tbody tr:nth-child(2) pre.error"), FAILURE);
  t.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
  await page.screenshot({ path: `${OUTPUT}batch-page.png`, fullPage: true });
  t.same(pageErrors, [], "the page logged no error");
});

t.test("the page follows a running job without reloading", async (t) => {
  const job = uiJob();
  const ui = await startUI(job.ssc, { port: 0, statusLine: false, pushIntervalMs: 20 });
  const browser = await launch();
  t.teardown(async () => {
    await browser.close();
    await ui.close();
    if (job.ssc.getState() !== "STOPPED") await job.ssc.stop();
  });
  const page = await browser.newPage();
  await page.goto(ui.url);
  job.ssc.start();
  let navigations = 0;
  page.on("framenavigated", () => void navigations++);
  for (let n = 1; n <= 3; n++) {
    await job.clock.advance(Seconds(1));
    await page.waitForSelector(`body[data-completed="${n}"]`, { timeout: 10_000 });
    t.equal(await page.textContent("#completed-total"), String(n), `batch ${n} appears`);
  }
  t.equal(navigations, 0, "no reload");
});
