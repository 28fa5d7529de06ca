/**
 * The broker scenarios of `npm run bench`: connectors (NATS/Redis → PostgreSQL,
 * bench/workloads/connectors.ts) and Kafka → word count (bench/workloads/kafka_throughput.ts).
 * They need servers, so they run after the table, each workload in its own Node process
 * (the harness's `runBench`, isolated: `run.ts --child=<id>`), with the harness's protocol (verify run, warm-up, timed rounds in
 * rotating order, results checked equal to the hand loop's). Here the hand loop is the broker
 * client's raw consume rate: "vs raw" is the issue's ratio. A workload whose servers cannot
 * start gets rows that say so (ERROR with the reason), never no rows.
 */
import { loadavg } from "node:os";
import process from "node:process";
import { type AnyWorkload, type ContenderName, type Mode, type Row, runBench } from "../harness.ts";

/** Scenario ids and the workloads each runs (ids spelled here so that listing them loads no broker client). */
export const BROKER_SCENARIOS: Readonly<Record<string, ReadonlyArray<string>>> = {
  connectors: ["connectors-nats", "connectors-redis"],
  kafka: ["kafka-100b", "kafka-4kb"],
};

/** Every id `--only` accepts for these scenarios. */
export const BROKER_IDS: ReadonlyArray<string> = [...Object.keys(BROKER_SCENARIOS), ...Object.values(BROKER_SCENARIOS).flat()];

/** The workloads (loads the broker clients). */
export const brokerWorkloads = async (): Promise<ReadonlyArray<AnyWorkload>> => {
  const [{ natsToPostgres, redisToPostgres }, { kafka100B, kafka4KB }] = await Promise.all([import("./connectors.ts"), import("./kafka_throughput.ts")]);
  return [natsToPostgres, redisToPostgres, kafka100B, kafka4KB];
};

const CONTENDERS: ReadonlyArray<ContenderName> = ["hand loop", "tuned loop", "dstreams"];
const LABEL: Readonly<Record<string, string>> = { "hand loop": "raw client", "tuned loop": "by hand", dstreams: "dstreams" };

export interface BrokerReport {
  readonly date: string;
  readonly mode: "quick" | "full";
  /** The dstreams commit measured (as in results.json). */
  readonly commit: string;
  readonly node: string;
  /** 1-minute load average before and after each workload. */
  readonly loadAverage: ReadonlyArray<{ readonly workload: string; readonly start: number; readonly end: number }>;
  readonly rows: ReadonlyArray<Row>;
}

/** Runs the given broker workloads (ids from {@link BROKER_IDS}), one process each. */
export const runBrokerScenarios = async (ids: ReadonlyArray<string>, mode: Mode, log: (line: string) => void): Promise<BrokerReport> => {
  const wanted = new Set(ids.flatMap((id) => BROKER_SCENARIOS[id] ?? [id]));
  const rows: Row[] = [];
  const loads: Array<{ workload: string; start: number; end: number }> = [];
  let commit = "unknown";
  for (const workload of (await brokerWorkloads()).filter((w) => wanted.has(w.id))) {
    log(`[bench] ${workload.title}: ${CONTENDERS.map((c) => LABEL[c]).join(", ")}…`);
    const start = loadavg()[0]!;
    const started = performance.now();
    // The harness's own protocol, in a child process (run.ts's child mode knows these ids).
    const report = await runBench([workload], { mode, contenders: CONTENDERS, isolate: true, out: null, log: () => {} });
    loads.push({ workload: workload.id, start, end: loadavg()[0]! });
    log(`[bench]   ${report.rows.map((r) => `${LABEL[r.contender]}: ${r.status}${r.message === undefined ? "" : ` (${r.message})`}`).join(", ")} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    rows.push(...report.rows);
    commit = report.commit;
  }
  return { date: new Date().toISOString(), mode: mode.quick ? "quick" : "full", commit, node: process.version, loadAverage: loads, rows };
};

/** The scenario's table: one row per workload and contender, the ratio against the raw client. */
export const formatBrokerReport = (report: BrokerReport): string => {
  const header = ["workload", "contender", "rate (records/s)", "vs raw", "median ms", "min–max ms", "load avg"];
  const lines: string[][] = [header];
  for (const r of report.rows) {
    const load = report.loadAverage.find((l) => l.workload === r.workload);
    const loadText = load === undefined ? "" : `${load.start.toFixed(1)} → ${load.end.toFixed(1)}`;
    if (r.status === "ok") {
      lines.push([
        r.title,
        LABEL[r.contender] ?? r.contender,
        Math.round(r.rate!).toLocaleString("en-US"),
        r.vsHandLoop === undefined ? "" : r.vsHandLoop.toFixed(2),
        r.medianMs!.toFixed(1),
        `${Math.min(...r.runsMs!).toFixed(1)}–${Math.max(...r.runsMs!).toFixed(1)}`,
        loadText,
      ]);
    } else {
      lines.push([r.title, LABEL[r.contender] ?? r.contender, r.status === "mismatch" ? "RESULTS DIFFER" : "NOT MEASURED", "", "", "", r.message ?? ""]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.filter((l) => l[i]!.length < 60).map((l) => l[i]!.length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = [
    `connectors and Kafka (${report.mode} mode; "raw client" is the broker client alone, the rate each pipeline is compared with; "by hand" the same pipeline written with the clients):`,
    pad(lines[0]!),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...lines.slice(1).map(pad),
  ];
  const kafka = report.rows.filter((r) => r.workload.startsWith("kafka-") && r.contender === "dstreams" && r.vsHandLoop !== undefined);
  for (const r of kafka) {
    out.push(`  ${r.vsHandLoop! >= 0.8 ? "met " : "MISS"}  ${r.title}: dstreams ≥ 0.8 × the raw consume rate (issue 11): ${r.vsHandLoop!.toFixed(2)} ×`);
  }
  return out.join("\n");
};
