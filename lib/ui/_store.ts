/**
 * What the UI knows of a running job: a StreamingListener that keeps the active batches,
 * the last `retainedBatches` completed ones, totals, receivers, dead letters per decoder
 * and delay histograms (Spark's `StreamingJobProgressListener`), in bounded memory.
 *
 * @module
 */
import type { StreamingContext } from "../context/streaming_context.ts";
import { graphOf } from "../context/streaming_context.ts";
import type { BatchInfo, OutputOperationInfo, ReceiverInfo, StreamingListener } from "../context/listener.ts";
import type { DStreamNode } from "../dstream/_node.ts";

/** The status of an output operation within a batch. */
export type OperationStatus = "queued" | "running" | "succeeded" | "failed";

export interface OperationRecord {
  readonly id: number;
  readonly name: string;
  readonly description?: string;
  status: OperationStatus;
  startTime?: number;
  endTime?: number;
  duration?: number;
  failureReason?: string;
}

export interface InputRecord {
  readonly id: number;
  readonly name: string;
  readonly numRecords: number;
  readonly description?: string;
}

/** Spark's batch statuses. */
export type BatchStatus = "QUEUED" | "PROCESSING" | "COMPLETED";

export interface BatchRecord {
  readonly batchTime: number;
  status: BatchStatus;
  readonly submissionTime: number;
  processingStartTime?: number;
  processingEndTime?: number;
  schedulingDelay?: number;
  processingDelay?: number;
  totalDelay?: number;
  readonly numRecords: number;
  readonly inputs: ReadonlyArray<InputRecord>;
  operations: OperationRecord[];
  metrics: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Records per lineage node (by name), where known without computing anything again. */
  nodeRecords: Readonly<Record<string, number>>;
}

export interface ReceiverRecord {
  readonly streamId: number;
  readonly name: string;
  active: boolean;
  lastErrorMessage: string;
  lastError: string;
  lastErrorTime: number;
  errors: number;
}

/** A node of the lineage graph. */
export interface LineageNode {
  readonly id: number;
  readonly name: string;
  readonly kind: string;
  readonly parents: ReadonlyArray<number>;
  readonly input: boolean;
  readonly outputs: ReadonlyArray<string>;
  readonly stateful: boolean;
}

/** A histogram's counts per bucket (not cumulative), its sum and count. */
export class Histogram {
  readonly bounds: ReadonlyArray<number>;
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: ReadonlyArray<number>) {
    this.bounds = bounds;
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bucket = this.bounds.findIndex((bound) => value <= bound);
    if (bucket >= 0) this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
  }
}

/** Delay buckets, in milliseconds: 1 ms to 5 minutes. */
const DELAY_BOUNDS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000];

interface StatefulNode {
  stateData(): { readonly entries: ReadonlyArray<unknown> };
}

const isStateful = (node: object): node is StatefulNode => typeof (node as { stateData?: unknown }).stateData === "function";

/** Every node an output reads, parents before children, and every input. */
const lineageOf = (
  ssc: StreamingContext,
): { nodes: DStreamNode<unknown>[]; outputsByNode: Map<number, string[]>; inputNames: Map<number, string> } => {
  const graph = graphOf(ssc);
  const seen = new Map<number, DStreamNode<unknown>>();
  const visit = (node: DStreamNode<unknown>): void => {
    if (seen.has(node.id)) return;
    for (const parent of node.parents) visit(parent);
    seen.set(node.id, node);
  };
  for (const input of graph.inputs) visit(input);
  const outputsByNode = new Map<number, string[]>();
  for (const output of graph.outputs) {
    visit(output.stream);
    const list = outputsByNode.get(output.stream.id) ?? [];
    list.push(`${output.name} (output ${output.id})`);
    outputsByNode.set(output.stream.id, list);
  }
  const inputNames = new Map(graph.inputs.map((input) => [input.id, input.name]));
  return { nodes: [...seen.values()].sort((a, b) => a.id - b.id), outputsByNode, inputNames };
};

const recordOf = (info: BatchInfo, status: BatchStatus, inputNames: ReadonlyMap<number, string>): BatchRecord => {
  const inputs: InputRecord[] = [];
  for (const [id, numRecords] of info.streamIdToNumRecords) {
    const given = info.streamIdToInputInfo?.get(id);
    const description = given?.metadataDescription;
    inputs.push({ id, name: inputNames.get(id) ?? `input-${id}`, numRecords, ...(description === undefined ? {} : { description }) });
  }
  const record: BatchRecord = {
    batchTime: info.batchTime.milliseconds,
    status,
    submissionTime: info.submissionTime,
    numRecords: info.numRecords,
    inputs,
    operations: [],
    metrics: Object.fromEntries(info.metrics),
    nodeRecords: {},
  };
  update(record, info);
  return record;
};

const update = (record: BatchRecord, info: BatchInfo): void => {
  if (info.processingStartTime !== undefined) record.processingStartTime = info.processingStartTime;
  if (info.processingEndTime !== undefined) record.processingEndTime = info.processingEndTime;
  if (info.schedulingDelay !== undefined) record.schedulingDelay = info.schedulingDelay;
  if (info.processingDelay !== undefined) record.processingDelay = info.processingDelay;
  if (info.totalDelay !== undefined) record.totalDelay = info.totalDelay;
  if (info.metrics.size > 0) record.metrics = Object.fromEntries(info.metrics);
  for (const op of info.outputOperationInfos) applyOperation(record, op);
};

const applyOperation = (record: BatchRecord, op: OutputOperationInfo): void => {
  let entry = record.operations.find((o) => o.id === op.id);
  if (entry === undefined) {
    entry = { id: op.id, name: op.name, status: "queued", ...(op.description === undefined ? {} : { description: op.description }) };
    record.operations.push(entry);
    record.operations.sort((a, b) => a.id - b.id);
  }
  if (op.startTime !== undefined) entry.startTime = op.startTime;
  if (op.endTime !== undefined) {
    entry.endTime = op.endTime;
    const duration = op.duration ?? (op.startTime === undefined ? undefined : op.endTime - op.startTime);
    if (duration !== undefined) entry.duration = duration;
    entry.status = op.failureReason === undefined ? "succeeded" : "failed";
  } else if (op.startTime !== undefined) {
    entry.status = "running";
  }
  if (op.failureReason !== undefined) entry.failureReason = op.failureReason;
};

/** Options of the store. */
export interface StoreOptions {
  readonly retainedBatches: number;
}

export class UIStore implements StreamingListener {
  readonly ssc: StreamingContext;
  readonly retainedBatches: number;
  startTime: number | undefined;
  readonly active: Map<number, BatchRecord> = new Map();
  /** The completed batches kept, oldest first, at most `retainedBatches`. */
  readonly completed: BatchRecord[] = [];
  readonly receivers: Map<number, ReceiverRecord> = new Map();
  totalCompletedBatches = 0;
  totalFailedBatches = 0;
  totalReceivedRecords = 0;
  totalProcessedRecords = 0;
  readonly receivedByInput: Map<number, number> = new Map();
  /** Sums of what each stream reported over every batch (decode nodes: received, valid, rejected). */
  readonly metricTotals: Map<string, Record<string, number>> = new Map();
  readonly schedulingDelay: Histogram = new Histogram(DELAY_BOUNDS_MS);
  readonly processingDelay: Histogram = new Histogram(DELAY_BOUNDS_MS);
  readonly totalDelay: Histogram = new Histogram(DELAY_BOUNDS_MS);
  lastError: { readonly batchTime?: number; readonly message: string; readonly time: number } | undefined;
  #lineage: ReturnType<typeof lineageOf> | undefined;
  readonly #changeListeners = new Set<(kind: string) => void>();

  constructor(ssc: StreamingContext, options: StoreOptions) {
    this.ssc = ssc;
    this.retainedBatches = options.retainedBatches;
  }

  /** The graph's nodes; read again until the context starts, when the graph is frozen. */
  get #graph(): ReturnType<typeof lineageOf> {
    if (this.#lineage !== undefined) return this.#lineage;
    const lineage = lineageOf(this.ssc);
    if (this.ssc.getState() !== "INITIALIZED") this.#lineage = lineage;
    return lineage;
  }

  get #nodes(): ReadonlyArray<DStreamNode<unknown>> {
    return this.#graph.nodes;
  }

  get #outputsByNode(): ReadonlyMap<number, ReadonlyArray<string>> {
    return this.#graph.outputsByNode;
  }

  get #inputNames(): ReadonlyMap<number, string> {
    return this.#graph.inputNames;
  }

  get batchDuration(): number {
    return this.ssc.batchDuration.milliseconds;
  }

  /** Calls `f` after each change (`kind` names the event). */
  onChange(f: (kind: string) => void): () => void {
    this.#changeListeners.add(f);
    return () => this.#changeListeners.delete(f);
  }

  #changed(kind: string): void {
    for (const f of this.#changeListeners) f(kind);
  }

  // ---- StreamingListener -------------------------------------------------------------

  onStreamingStarted({ time }: { readonly time: number }): void {
    this.startTime = time;
    this.#changed("started");
  }

  onBatchSubmitted({ batchInfo }: { readonly batchInfo: BatchInfo }): void {
    this.active.set(batchInfo.batchTime.milliseconds, recordOf(batchInfo, "QUEUED", this.#inputNames));
    this.totalReceivedRecords += batchInfo.numRecords;
    for (const [id, n] of batchInfo.streamIdToNumRecords) this.receivedByInput.set(id, (this.receivedByInput.get(id) ?? 0) + n);
    this.#changed("batch");
  }

  onBatchStarted({ batchInfo }: { readonly batchInfo: BatchInfo }): void {
    const record = this.#activeRecord(batchInfo);
    record.status = "PROCESSING";
    update(record, batchInfo);
    this.#changed("batch");
  }

  onOutputOperationStarted({ outputOperationInfo }: { readonly outputOperationInfo: OutputOperationInfo }): void {
    const record = this.active.get(outputOperationInfo.batchTime.milliseconds);
    if (record !== undefined) applyOperation(record, outputOperationInfo);
    this.#changed("operation");
  }

  onOutputOperationCompleted({ outputOperationInfo }: { readonly outputOperationInfo: OutputOperationInfo }): void {
    const record = this.active.get(outputOperationInfo.batchTime.milliseconds);
    if (record !== undefined) applyOperation(record, outputOperationInfo);
    if (outputOperationInfo.failureReason !== undefined) {
      this.lastError = {
        batchTime: outputOperationInfo.batchTime.milliseconds,
        message: `${outputOperationInfo.name}: ${outputOperationInfo.failureReason}`,
        time: outputOperationInfo.endTime ?? Date.now(),
      };
    }
    this.#changed("operation");
  }

  onBatchCompleted({ batchInfo }: { readonly batchInfo: BatchInfo }): void {
    const time = batchInfo.batchTime.milliseconds;
    const record = this.#activeRecord(batchInfo);
    this.active.delete(time);
    record.status = "COMPLETED";
    update(record, batchInfo);
    record.nodeRecords = this.#nodeRecordsAt(batchInfo);
    this.completed.push(record);
    if (this.completed.length > this.retainedBatches) this.completed.splice(0, this.completed.length - this.retainedBatches);
    this.totalCompletedBatches++;
    if (record.operations.some((o) => o.status === "failed")) this.totalFailedBatches++;
    this.totalProcessedRecords += batchInfo.numRecords;
    if (batchInfo.schedulingDelay !== undefined) this.schedulingDelay.observe(batchInfo.schedulingDelay);
    if (batchInfo.processingDelay !== undefined) this.processingDelay.observe(batchInfo.processingDelay);
    if (batchInfo.totalDelay !== undefined) this.totalDelay.observe(batchInfo.totalDelay);
    for (const [name, counts] of batchInfo.metrics) {
      const sums = this.metricTotals.get(name) ?? {};
      for (const [key, n] of Object.entries(counts)) sums[key] = (sums[key] ?? 0) + n;
      this.metricTotals.set(name, sums);
    }
    this.#changed("batch");
  }

  onReceiverStarted({ receiverInfo }: { readonly receiverInfo: ReceiverInfo }): void {
    this.#receiver(receiverInfo).active = true;
    this.#changed("receiver");
  }

  onReceiverStopped({ receiverInfo }: { readonly receiverInfo: ReceiverInfo }): void {
    this.#receiver(receiverInfo).active = false;
    this.#changed("receiver");
  }

  onReceiverError({ receiverInfo }: { readonly receiverInfo: ReceiverInfo }): void {
    const receiver = this.#receiver(receiverInfo);
    receiver.active = receiverInfo.active;
    receiver.lastErrorMessage = receiverInfo.lastErrorMessage;
    receiver.lastError = receiverInfo.lastError;
    receiver.lastErrorTime = receiverInfo.lastErrorTime;
    receiver.errors++;
    this.lastError = { message: `${receiverInfo.name}: ${receiverInfo.lastErrorMessage}`, time: receiverInfo.lastErrorTime };
    this.#changed("receiver");
  }

  // ---- reading -----------------------------------------------------------------------

  #activeRecord(info: BatchInfo): BatchRecord {
    const time = info.batchTime.milliseconds;
    let record = this.active.get(time);
    if (record === undefined) {
      // Submitted before the UI listened: count its records now.
      record = recordOf(info, "QUEUED", this.#inputNames);
      this.active.set(time, record);
      this.totalReceivedRecords += info.numRecords;
      for (const [id, n] of info.streamIdToNumRecords) this.receivedByInput.set(id, (this.receivedByInput.get(id) ?? 0) + n);
    }
    return record;
  }

  #receiver(info: ReceiverInfo): ReceiverRecord {
    let receiver = this.receivers.get(info.streamId);
    if (receiver === undefined) {
      receiver = { streamId: info.streamId, name: info.name, active: info.active, lastErrorMessage: "", lastError: "", lastErrorTime: -1, errors: 0 };
      this.receivers.set(info.streamId, receiver);
    }
    return receiver;
  }

  /** Records per node for the batch, where the node still holds the batch's records in memory. */
  #nodeRecordsAt(info: BatchInfo): Record<string, number> {
    const time = info.batchTime.milliseconds;
    const counts: Record<string, number> = {};
    for (const node of this.#nodes) {
      const n = info.streamIdToNumRecords.get(node.id);
      if (n !== undefined && node.parents.length === 0) {
        counts[node.name] = n;
        continue;
      }
      const decoded = info.metrics.get(node.name)?.["received"];
      if (decoded !== undefined) {
        counts[node.name] = decoded;
        continue;
      }
      for (const [t, rdd] of node.rememberedRDDs()) {
        if (t.milliseconds === time && rdd.isCached) counts[node.name] = rdd.count();
      }
    }
    return counts;
  }

  /** The lineage graph: names, kinds, parents, outputs. */
  lineage(): ReadonlyArray<LineageNode> {
    return this.#nodes.map((node) => ({
      id: node.id,
      name: node.name,
      kind: node.kind,
      parents: node.parents.map((p) => p.id),
      input: this.#inputNames.has(node.id),
      outputs: this.#outputsByNode.get(node.id) ?? [],
      stateful: isStateful(node),
    }));
  }

  #stateSizes: { readonly at: number; readonly batches: number; readonly costMs: number; readonly sizes: Record<string, number> } | undefined;

  /**
   * Entries of each stateful node's state, by node name. Reading them copies the state
   * (`stateData()`), so they are read again only after a batch completed, and no sooner
   * than 50 times as long as the last reading took: a large state costs the job at most 2 %.
   */
  stateSizes(): Record<string, number> {
    const now = performance.now();
    const cached = this.#stateSizes;
    const batches = this.totalCompletedBatches;
    if (cached !== undefined && (cached.batches === batches || now - cached.at < 50 * cached.costMs)) return cached.sizes;
    const sizes: Record<string, number> = {};
    for (const node of this.#nodes) if (isStateful(node)) sizes[node.name] = node.stateData().entries.length;
    this.#stateSizes = { at: now, batches, costMs: performance.now() - now, sizes };
    return sizes;
  }

  /** Input names by id. */
  get inputNames(): ReadonlyMap<number, string> {
    return this.#inputNames;
  }

  /** A batch kept by the store, active or completed. */
  batch(time: number): BatchRecord | undefined {
    return this.active.get(time) ?? this.completed.find((b) => b.batchTime === time);
  }

  /** Decoders (streams reporting `rejected`) with their totals. */
  deadLetters(): Array<{ readonly decoder: string; readonly received: number; readonly valid: number; readonly rejected: number }> {
    const rows = [];
    for (const [decoder, sums] of this.metricTotals) {
      if (sums["rejected"] === undefined) continue;
      rows.push({ decoder, received: sums["received"] ?? 0, valid: sums["valid"] ?? 0, rejected: sums["rejected"] });
    }
    return rows;
  }
}
