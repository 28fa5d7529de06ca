/**
 * `/metrics` in Prometheus's text exposition format (version 0.0.4).
 *
 * @module
 */
import type { Histogram, UIStore } from "./_store.ts";

/** Escapes a label value: backslash, double quote and newline. */
const label = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

const number = (n: number): string => (Number.isFinite(n) ? String(n) : n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN");

class Exposition {
  readonly #lines: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string): this {
    this.#lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, value: number, labels: Readonly<Record<string, string>> = {}): this {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`);
    this.#lines.push(`${name}${pairs.length === 0 ? "" : `{${pairs.join(",")}}`} ${number(value)}`);
    return this;
  }

  /** A histogram kept in milliseconds, exposed in seconds. */
  histogram(name: string, help: string, h: Histogram): this {
    this.family(name, "histogram", help);
    let cumulative = 0;
    h.bounds.forEach((bound, i) => {
      cumulative += h.counts[i] ?? 0;
      this.sample(`${name}_bucket`, cumulative, { le: number(bound / 1000) });
    });
    this.sample(`${name}_bucket`, h.count, { le: "+Inf" });
    this.sample(`${name}_sum`, h.sum / 1000);
    return this.sample(`${name}_count`, h.count);
  }

  toString(): string {
    return `${this.#lines.join("\n")}\n`;
  }
}

/** The job's metrics, with `droppedEvents` the listener bus dropped for the UI. */
export const prometheusText = (store: UIStore, droppedEvents: number): string => {
  const out = new Exposition();
  out.family("dstreams_batch_duration_seconds", "gauge", "The batch interval.").sample("dstreams_batch_duration_seconds", store.batchDuration / 1000);
  out.family("dstreams_batches_completed_total", "counter", "Batches completed.").sample("dstreams_batches_completed_total", store.totalCompletedBatches);
  out.family("dstreams_batches_failed_total", "counter", "Completed batches with a failed output operation.")
    .sample("dstreams_batches_failed_total", store.totalFailedBatches);
  out.family("dstreams_batches_active", "gauge", "Batches queued or processing.").sample("dstreams_batches_active", store.active.size);
  out.family("dstreams_records_received_total", "counter", "Records the inputs gave batches, by input.");
  for (const [id, name] of store.inputNames) out.sample("dstreams_records_received_total", store.receivedByInput.get(id) ?? 0, { input: name });
  out.family("dstreams_records_processed_total", "counter", "Records of the completed batches.")
    .sample("dstreams_records_processed_total", store.totalProcessedRecords);
  out.histogram("dstreams_scheduling_delay_seconds", "How long batches waited for earlier ones.", store.schedulingDelay);
  out.histogram("dstreams_processing_delay_seconds", "How long batches' output operations ran.", store.processingDelay);
  out.histogram("dstreams_total_delay_seconds", "Scheduling delay plus processing delay.", store.totalDelay);
  out.family("dstreams_state_entries", "gauge", "Keys held by each stateful stream.");
  for (const [stream, n] of Object.entries(store.stateSizes())) out.sample("dstreams_state_entries", n, { stream });
  out.family("dstreams_receiver_active", "gauge", "1 while a receiver runs.");
  for (const r of store.receivers.values()) out.sample("dstreams_receiver_active", r.active ? 1 : 0, { receiver: r.name });
  out.family("dstreams_receiver_errors_total", "counter", "Errors receivers reported.");
  for (const r of store.receivers.values()) out.sample("dstreams_receiver_errors_total", r.errors, { receiver: r.name });
  out.family("dstreams_decoded_records_total", "counter", "Records decoders saw, by decoder and outcome.");
  const deadLetters = store.deadLetters();
  for (const d of deadLetters) {
    out.sample("dstreams_decoded_records_total", d.valid, { decoder: d.decoder, outcome: "valid" });
    out.sample("dstreams_decoded_records_total", d.rejected, { decoder: d.decoder, outcome: "rejected" });
  }
  out.family("dstreams_dead_letters_total", "counter", "Records decoders rejected (dead letters), by decoder.");
  for (const d of deadLetters) out.sample("dstreams_dead_letters_total", d.rejected, { decoder: d.decoder });
  out.family("dstreams_listener_events_dropped_total", "counter", "Listener events the UI's full queue dropped.")
    .sample("dstreams_listener_events_dropped_total", droppedEvents);
  return out.toString();
};
