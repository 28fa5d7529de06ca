/**
 * The pages the server renders: the live page's shell (its data comes by server-sent
 * events and is written with `textContent`, never as HTML) and the page of one batch.
 * Every name and message from the job is escaped here.
 *
 * @module
 */
import type { BatchRecord, UIStore } from "./_store.ts";

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML content and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/** `12 ms`, `1.5 s`, or `-` when unknown. */
export const formatDuration = (ms: number | undefined | null): string => {
  if (ms === undefined || ms === null) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
};

/** A batch time as Spark's page shows it: the date and time in UTC. */
export const formatBatchTime = (ms: number): string => new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "");

const shell = (title: string, body: string): string =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/static/ui.css">
</head>
<body>
${body}
</body>
</html>
`;

/** The live Streaming page: sections the script fills. */
export const livePage = (appName: string, batchDuration: number): string =>
  shell(
    `${appName} - Streaming`,
    `<header>
<h1><span class="app" id="app-name">${escapeHtml(appName)}</span> <span class="tab">Streaming Statistics</span></h1>
<p class="summary">Running batches of <strong>${escapeHtml(formatDuration(batchDuration))}</strong> for <span id="uptime">-</span>
 since <span id="started">-</span> &middot; state <strong id="state">-</strong> &middot;
 <span id="stat-completed">0</span> completed batches, <span id="stat-records">0</span> records &middot;
 <span id="stat-failed">0</span> failed batches <span id="connection" class="connection">connecting</span></p>
<p id="kill" hidden><button type="button" id="kill-button">Stop the job</button></p>
<p id="last-error" class="error" hidden></p>
</header>
<main>
<section><h2>Timelines <span class="note" id="timeline-note"></span></h2>
<table class="charts" id="charts">
<thead><tr><th></th><th>Timelines</th><th>Histograms</th></tr></thead>
<tbody></tbody>
</table></section>
<section><h2>Active Batches (<span id="active-count">0</span>)</h2>
<table class="batches" id="active-batches"><thead><tr><th>Batch Time</th><th>Records</th><th>Scheduling Delay</th><th>Processing Time</th><th>Output Ops: Succeeded/Total</th><th>Status</th></tr></thead><tbody></tbody></table></section>
<section><h2>Completed Batches (last <span id="completed-count">0</span> out of <span id="completed-total">0</span>)</h2>
<table class="batches" id="completed-batches"><thead><tr><th>Batch Time</th><th>Records</th><th>Scheduling Delay</th><th>Processing Time</th><th>Total Delay</th><th>Output Ops</th><th>Error</th></tr></thead><tbody></tbody></table></section>
<section><h2>Receivers</h2>
<table id="receivers"><thead><tr><th>Receiver</th><th>Status</th><th>Avg Events/s</th><th>Errors</th><th>Last Error Time</th><th>Last Error</th></tr></thead><tbody></tbody></table></section>
<section><h2>Inputs</h2>
<table id="inputs"><thead><tr><th>Input</th><th>Records</th><th>Avg Records/s</th><th>Last Batch Records/s</th></tr></thead><tbody></tbody></table></section>
<section><h2>Lineage of the job's DStreams</h2>
<p class="note">Records of the last completed batch, where a stream still held them; state entries of stateful streams.</p>
<div id="lineage"></div></section>
<section><h2>Dead Letters</h2>
<table id="dead-letters"><thead><tr><th>Decoder</th><th>Received</th><th>Valid</th><th>Rejected</th></tr></thead><tbody></tbody></table></section>
</main>
<footer><a href="/metrics">/metrics</a> &middot; <a id="api-link" href="/api/v1/applications">REST API</a></footer>
<script src="/static/ui.js"></script>`,
  );

const row = (cells: ReadonlyArray<string>): string => `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;

/** The page of one batch: its inputs, each output operation with its error, what streams reported. */
export const batchPage = (appName: string, store: UIStore, b: BatchRecord): string => {
  const ops = b.operations.map((o) =>
    row([
      String(o.id),
      escapeHtml(o.name),
      escapeHtml(o.description ?? o.name),
      `<span class="status ${o.status}">${o.status}</span>`,
      escapeHtml(formatDuration(o.duration)),
      o.failureReason === undefined ? "" : `<pre class="error">${escapeHtml(o.failureReason)}</pre>`,
    ])
  );
  const inputs = b.inputs.map((i) => row([escapeHtml(i.name), String(i.numRecords), escapeHtml(i.description ?? "")]));
  const metrics = Object.entries(b.metrics).map(([name, counts]) =>
    row([escapeHtml(name), escapeHtml(Object.entries(counts).map(([k, n]) => `${k}: ${n}`).join(", "))])
  );
  const nodes = Object.entries(b.nodeRecords).map(([name, n]) => row([escapeHtml(name), String(n)]));
  return shell(
    `${appName} - Batch ${formatBatchTime(b.batchTime)}`,
    `<header><h1><span class="app">${escapeHtml(appName)}</span> <span class="tab">Details of batch at ${escapeHtml(formatBatchTime(b.batchTime))}</span></h1>
<p><a href="/">Back to Streaming Statistics</a></p></header>
<main>
<ul class="facts" id="batch-facts">
<li>Batch Duration: <strong>${escapeHtml(formatDuration(store.batchDuration))}</strong></li>
<li>Status: <strong id="batch-status">${b.status}</strong></li>
<li>Input Records: <strong id="batch-records">${b.numRecords}</strong></li>
<li>Scheduling Delay: <strong>${escapeHtml(formatDuration(b.schedulingDelay))}</strong></li>
<li>Processing Time: <strong>${escapeHtml(formatDuration(b.processingDelay))}</strong></li>
<li>Total Delay: <strong>${escapeHtml(formatDuration(b.totalDelay))}</strong></li>
</ul>
<section><h2>Output Operations</h2>
<table id="operations"><thead><tr><th>Output Op Id</th><th>Name</th><th>Description</th><th>Status</th><th>Duration</th><th>Error</th></tr></thead>
<tbody>${ops.join("")}</tbody></table></section>
<section><h2>Inputs</h2>
<table id="batch-inputs"><thead><tr><th>Input</th><th>Records</th><th>Description</th></tr></thead><tbody>${inputs.join("")}</tbody></table></section>
<section><h2>Reported by streams</h2>
<table id="batch-metrics"><thead><tr><th>Stream</th><th>Counts</th></tr></thead><tbody>${metrics.join("")}</tbody></table>
<table id="batch-nodes"><thead><tr><th>Stream</th><th>Records</th></tr></thead><tbody>${nodes.join("")}</tbody></table></section>
</main>`,
  );
};

/** A short page for errors (404, 405, …). */
export const messagePage = (status: number, message: string): string =>
  shell(`${status}`, `<main><h1>${status}</h1><p>${escapeHtml(message)}</p><p><a href="/">Streaming Statistics</a></p></main>`);
