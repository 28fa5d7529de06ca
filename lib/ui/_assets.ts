/**
 * The live page's style sheet and script, served from the package (no CDN). The script
 * reads snapshots from `/events` (server-sent events) and writes every value with
 * `textContent` or SVG attributes, so no name or message from the job becomes markup.
 *
 * @module
 */

/** The style sheet. */
export const UI_CSS: string = `
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 14px; margin: 0; color: #222; background: #fff; }
header { background: #f4f6f8; border-bottom: 1px solid #d8dde3; padding: 8px 20px; }
h1 { font-size: 20px; margin: 6px 0; } h1 .app { color: #1a5a96; } h1 .tab { color: #444; font-weight: normal; }
h2 { font-size: 16px; margin: 18px 0 6px; }
main { padding: 0 20px 20px; } footer { padding: 10px 20px; color: #666; border-top: 1px solid #eee; }
table { border-collapse: collapse; margin: 4px 0; } th, td { border: 1px solid #dde; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.charts td { border: none; } table.charts th { background: none; border: none; }
.error { color: #b00020; white-space: pre-wrap; margin: 0; font-family: ui-monospace, monospace; font-size: 12px; }
.note { color: #666; font-weight: normal; font-size: 12px; }
.connection { color: #888; font-size: 12px; margin-left: 8px; } .connection.live { color: #2a7a2a; }
.status.succeeded { color: #2a7a2a; } .status.failed { color: #b00020; font-weight: 600; } .status.running { color: #1a5a96; }
.metric-name { font-weight: 600; white-space: nowrap; } .metric-value { color: #444; font-size: 12px; }
svg text { font-size: 10px; fill: #555; }
svg .axis { stroke: #bbb; stroke-width: 1; } svg .line { fill: none; stroke: #1f77b4; stroke-width: 1.5; }
svg .interval { stroke: #d62728; stroke-dasharray: 4 3; stroke-width: 1; } svg .bar { fill: #1f77b4; opacity: 0.75; }
svg .node rect { fill: #eef4fb; stroke: #1a5a96; } svg .node.input rect { fill: #eefbf0; stroke: #2a7a2a; }
svg .node.stateful rect { fill: #fff6e6; stroke: #b26b00; } svg .edge { stroke: #888; fill: none; }
svg .node text.name { font-size: 11px; fill: #222; font-weight: 600; }
a { color: #1a5a96; }
`;

/** The script of the live page. */
export const UI_SCRIPT: string = String.raw`"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function byId(id) { return document.getElementById(id); }
  function dur(ms) {
    if (ms === null || ms === undefined) return "-";
    if (ms < 1000) return Math.round(ms) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    return (ms / 60000).toFixed(1) + " min";
  }
  function rate(r) { return r === null || r === undefined ? "-" : (Math.round(r * 100) / 100) + " records/s"; }
  function batchTime(ms) { return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, ""); }
  function td(text, cls) { return el("td", text, cls); }
  function fill(tbodyParent, rows) {
    var body = tbodyParent.querySelector("tbody");
    body.replaceChildren.apply(body, rows);
  }

  // ---- charts -------------------------------------------------------------------------
  var W = 560, H = 110, PAD = 36, HW = 260;
  function timeline(points, unit, mark) {
    var s = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, "class": "timeline" });
    var ys = points.map(function (p) { return p[1]; }).filter(function (v) { return v !== null; });
    var max = Math.max.apply(null, ys.concat([mark || 0, 1]));
    var t0 = points.length ? points[0][0] : 0, t1 = points.length ? points[points.length - 1][0] : 1;
    var span = t1 - t0 || 1;
    function x(t) { return PAD + ((t - t0) / span) * (W - PAD - 8); }
    function y(v) { return H - 18 - (v / max) * (H - 28); }
    s.appendChild(svg("line", { x1: PAD, y1: H - 18, x2: W - 8, y2: H - 18, "class": "axis" }));
    s.appendChild(svg("line", { x1: PAD, y1: 8, x2: PAD, y2: H - 18, "class": "axis" }));
    s.appendChild(svg("text", { x: 2, y: 14 }, fmt(max, unit)));
    s.appendChild(svg("text", { x: 2, y: H - 18 }, "0"));
    if (points.length) {
      s.appendChild(svg("text", { x: PAD, y: H - 4 }, batchTime(t0).slice(11)));
      s.appendChild(svg("text", { x: W - 60, y: H - 4 }, batchTime(t1).slice(11)));
    }
    if (mark) {
      s.appendChild(svg("line", { x1: PAD, y1: y(mark), x2: W - 8, y2: y(mark), "class": "interval" }));
      s.appendChild(svg("text", { x: W - 90, y: y(mark) - 3 }, "batch interval"));
    }
    var pts = [];
    points.forEach(function (p) { if (p[1] !== null) pts.push(x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1)); });
    if (pts.length === 1) pts.push((W - 8) + "," + pts[0].split(",")[1]);
    s.appendChild(svg("polyline", { points: pts.join(" "), "class": "line", "data-points": points.length }));
    return s;
  }
  function histogram(values, unit, mark) {
    var s = svg("svg", { width: HW, height: H, viewBox: "0 0 " + HW + " " + H, "class": "histogram" });
    var vs = values.filter(function (v) { return v !== null; });
    var max = Math.max.apply(null, vs.concat([mark || 0, 1]));
    var bins = 20, counts = [];
    for (var i = 0; i < bins; i++) counts.push(0);
    vs.forEach(function (v) { counts[Math.min(bins - 1, Math.floor((v / max) * bins))]++; });
    var top = Math.max.apply(null, counts.concat([1]));
    var bw = (HW - PAD - 8) / bins;
    s.appendChild(svg("line", { x1: PAD, y1: H - 18, x2: HW - 8, y2: H - 18, "class": "axis" }));
    counts.forEach(function (c, i) {
      if (c === 0) return;
      var h = (c / top) * (H - 28);
      s.appendChild(svg("rect", { x: PAD + i * bw, y: H - 18 - h, width: Math.max(1, bw - 1), height: h, "class": "bar" }));
    });
    s.appendChild(svg("text", { x: PAD, y: H - 4 }, "0"));
    s.appendChild(svg("text", { x: HW - 60, y: H - 4 }, fmt(max, unit)));
    s.appendChild(svg("text", { x: 2, y: 14 }, top + " batches"));
    if (mark) {
      var mx = PAD + (mark / max) * (HW - PAD - 8);
      s.appendChild(svg("line", { x1: mx, y1: 8, x2: mx, y2: H - 18, "class": "interval" }));
    }
    return s;
  }
  function fmt(v, unit) { return unit === "ms" ? dur(v) : (Math.round(v * 10) / 10) + " " + unit; }
  function avg(vs) {
    var n = 0, sum = 0;
    vs.forEach(function (v) { if (v !== null) { n++; sum += v; } });
    return n ? sum / n : null;
  }
  function drawCharts(s) {
    var interval = s.batchDuration;
    var series = [
      ["input-rate", "Input Rate", "records/s", s.timeline.map(function (b) { return [b[0], (b[1] * 1000) / interval]; }), 0],
      ["scheduling-delay", "Scheduling Delay", "ms", s.timeline.map(function (b) { return [b[0], b[2]]; }), interval],
      ["processing-time", "Processing Time", "ms", s.timeline.map(function (b) { return [b[0], b[3]]; }), interval],
      ["total-delay", "Total Delay", "ms", s.timeline.map(function (b) { return [b[0], b[4]]; }), interval],
    ];
    var rows = series.map(function (m) {
      var tr = el("tr"); tr.id = "chart-" + m[0];
      var name = el("td"); name.appendChild(el("div", m[1], "metric-name"));
      var a = avg(m[3].map(function (p) { return p[1]; }));
      var avgText = el("div", "Avg: " + (m[2] === "ms" ? dur(a) : rate(a)), "metric-value"); avgText.id = "avg-" + m[0];
      name.appendChild(avgText);
      var t = el("td"); t.appendChild(timeline(m[3], m[2], m[4]));
      var h = el("td"); h.appendChild(histogram(m[3].map(function (p) { return p[1]; }), m[2], m[4]));
      tr.append(name, t, h);
      return tr;
    });
    fill(byId("charts"), rows);
    byId("timeline-note").textContent = "(last " + s.timeline.length + " batches, " + s.active.length + " active, " +
      s.statistics.numTotalCompletedBatches + " completed; dashed: the batch interval)";
  }

  // ---- tables -------------------------------------------------------------------------
  function opsText(ops) {
    return ops.map(function (o) { return o.name + " " + o.status + (o.duration === null ? "" : " " + dur(o.duration)); }).join("; ");
  }
  function batchLink(ms) {
    var a = el("a", batchTime(ms)); a.href = "/batch?time=" + ms; return a;
  }
  function completedRow(b) {
    var tr = el("tr"); tr.setAttribute("data-batch-time", b.batchTime);
    var time = el("td"); time.appendChild(batchLink(b.batchTime));
    var failure = b.operations.filter(function (o) { return o.failureReason !== null; })[0];
    var err = el("td"); if (failure) err.appendChild(el("pre", failure.name + ": " + failure.failureReason, "error"));
    var ok = b.operations.filter(function (o) { return o.status === "succeeded"; }).length;
    var ops = el("td", ok + "/" + b.operations.length + " succeeded: " + opsText(b.operations));
    tr.append(time, td(b.numRecords + " records", "num records"), td(dur(b.schedulingDelay), "num scheduling"),
      td(dur(b.processingDelay), "num processing"), td(dur(b.totalDelay), "num total"), ops, err);
    return tr;
  }
  function activeRow(b) {
    var tr = el("tr"); tr.setAttribute("data-batch-time", b.batchTime);
    var time = el("td"); time.appendChild(batchLink(b.batchTime));
    var ok = b.operations.filter(function (o) { return o.status === "succeeded"; }).length;
    tr.append(time, td(b.numRecords + " records", "num records"), td(dur(b.schedulingDelay), "num"), td(dur(b.processingDelay), "num"),
      td(ok + "/" + b.operations.length + (b.operations.length ? ": " + opsText(b.operations) : "")), td(b.status.toLowerCase()));
    return tr;
  }
  function drawTables(s) {
    byId("active-count").textContent = s.active.length;
    fill(byId("active-batches"), s.active.map(activeRow));
    byId("completed-count").textContent = s.completed.length;
    byId("completed-total").textContent = s.statistics.numTotalCompletedBatches;
    fill(byId("completed-batches"), s.completed.map(completedRow));
    fill(byId("receivers"), s.receivers.map(function (r) {
      var tr = el("tr");
      var last = el("td"); if (r.lastErrorMessage) last.appendChild(el("pre", r.lastErrorMessage + (r.lastError ? " (" + r.lastError + ")" : ""), "error"));
      tr.append(td(r.streamName), td(r.isActive ? "ACTIVE" : "INACTIVE"), td(rate(r.avgEventRate), "num"), td(r.errors, "num"),
        td(r.lastErrorTime || "-"), last);
      return tr;
    }));
    fill(byId("inputs"), s.inputs.map(function (i) {
      var tr = el("tr");
      var rs = i.rates.map(function (p) { return p[1]; });
      tr.append(td(i.name), td(i.totalRecords, "num"), td(rate(avg(rs)), "num"), td(rate(rs.length ? rs[rs.length - 1] : null), "num"));
      return tr;
    }));
    fill(byId("dead-letters"), s.deadLetters.map(function (d) {
      var tr = el("tr");
      tr.append(td(d.decoder), td(d.received, "num"), td(d.valid, "num"), td(d.rejected, "num"));
      return tr;
    }));
  }

  // ---- lineage ------------------------------------------------------------------------
  function drawLineage(s) {
    var nodes = s.lineage, depth = {}, byDepth = [];
    nodes.forEach(function (n) {
      var d = 0;
      n.parents.forEach(function (p) { d = Math.max(d, (depth[p] || 0) + 1); });
      depth[n.id] = d;
      (byDepth[d] = byDepth[d] || []).push(n);
    });
    var BW = 170, BH = 58, GX = 40, GY = 14, pos = {};
    var rows = Math.max.apply(null, byDepth.map(function (c) { return c.length; }).concat([1]));
    var width = byDepth.length * (BW + GX) + 10, height = rows * (BH + GY) + 10;
    var g = svg("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, "class": "lineage" });
    byDepth.forEach(function (col, d) {
      col.forEach(function (n, i) { pos[n.id] = { x: 5 + d * (BW + GX), y: 5 + i * (BH + GY) }; });
    });
    nodes.forEach(function (n) {
      n.parents.forEach(function (p) {
        var a = pos[p], b = pos[n.id];
        if (!a || !b) return;
        g.appendChild(svg("path", { d: "M" + (a.x + BW) + " " + (a.y + BH / 2) + " C" + (a.x + BW + GX / 2) + " " + (a.y + BH / 2) + " " +
          (b.x - GX / 2) + " " + (b.y + BH / 2) + " " + b.x + " " + (b.y + BH / 2), "class": "edge" }));
      });
    });
    nodes.forEach(function (n) {
      var p = pos[n.id];
      var cls = "node" + (n.input ? " input" : "") + (n.stateful ? " stateful" : "");
      var box = svg("g", { "class": cls, "data-name": n.name, transform: "translate(" + p.x + "," + p.y + ")" });
      box.appendChild(svg("rect", { width: BW, height: BH, rx: 4 }));
      box.appendChild(svg("text", { x: 6, y: 14, "class": "name" }, n.name));
      box.appendChild(svg("text", { x: 6, y: 27 }, n.kind));
      var records = s.lastNodeRecords[n.name];
      box.appendChild(svg("text", { x: 6, y: 40, "class": "records" }, records === undefined ? "records: -" : "records: " + records));
      var extra = n.stateful ? "state: " + (s.stateSizes[n.name] === undefined ? "-" : s.stateSizes[n.name]) + " keys" : n.outputs.join(", ");
      box.appendChild(svg("text", { x: 6, y: 53, "class": "extra" }, extra));
      g.appendChild(box);
    });
    byId("lineage").replaceChildren(g);
  }

  // ---- the whole page -----------------------------------------------------------------
  function draw(s) {
    document.title = s.appName + " - Streaming";
    byId("app-name").textContent = s.appName;
    byId("state").textContent = s.state;
    var st = s.statistics;
    byId("started").textContent = st.startTime;
    byId("stat-completed").textContent = st.numTotalCompletedBatches;
    byId("stat-records").textContent = st.numProcessedRecords;
    byId("stat-failed").textContent = s.totalFailedBatches;
    byId("uptime").textContent = dur(s.uptime);
    var le = byId("last-error");
    if (s.lastError) { le.hidden = false; le.textContent = "Last error: " + s.lastError.message; } else le.hidden = true;
    byId("kill").hidden = !(s.killEnabled && s.state === "ACTIVE");
    byId("api-link").href = "/api/v1/applications/" + encodeURIComponent(s.appId) + "/streaming/statistics";
    drawCharts(s);
    drawTables(s);
    drawLineage(s);
    document.body.setAttribute("data-completed", st.numTotalCompletedBatches);
  }
  byId("kill-button").addEventListener("click", function () {
    if (!window.confirm("Stop the streaming job?")) return;
    fetch("/stop", { method: "POST", headers: { "X-Dstreams-Stop": "yes" } });
  });
  var source = new EventSource("/events");
  source.onopen = function () { var c = byId("connection"); c.textContent = "live"; c.className = "connection live"; };
  source.onerror = function () { var c = byId("connection"); c.textContent = "disconnected"; c.className = "connection"; };
  source.onmessage = function (event) { draw(JSON.parse(event.data)); };
})();
`;
