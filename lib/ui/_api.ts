/**
 * The JSON the UI serves: Spark's streaming REST API shapes (`statistics`, `batches`,
 * `receivers`, a batch's `operations`) and the snapshot the live page draws.
 *
 * @module
 */
import type { BatchRecord, UIStore } from "./_store.ts";

/** Spark's REST date format: `2015-09-24T17:04:10.000GMT`. */
export const sparkDate = (ms: number): string => new Date(ms).toISOString().replace("Z", "GMT");

const average = (values: ReadonlyArray<number | undefined>): number | undefined => {
  let sum = 0;
  let n = 0;
  for (const v of values) if (v !== undefined) (sum += v), n++;
  return n === 0 ? undefined : sum / n;
};

/** Spark's `StreamingStatistics`. */
export const statistics = (store: UIStore): Record<string, unknown> => {
  const receivers = [...store.receivers.values()];
  const completed = store.completed;
  const seconds = (completed.length * store.batchDuration) / 1000;
  const records = completed.reduce((n, b) => n + b.numRecords, 0);
  return {
    startTime: sparkDate(store.startTime ?? Date.now()),
    batchDuration: store.batchDuration,
    numReceivers: receivers.length,
    numActiveReceivers: receivers.filter((r) => r.active).length,
    numInactiveReceivers: receivers.filter((r) => !r.active).length,
    numTotalCompletedBatches: store.totalCompletedBatches,
    numRetainedCompletedBatches: completed.length,
    numActiveBatches: store.active.size,
    numProcessedRecords: store.totalProcessedRecords,
    numReceivedRecords: store.totalReceivedRecords,
    avgInputRate: seconds === 0 ? null : records / seconds,
    avgSchedulingDelay: average(completed.map((b) => b.schedulingDelay)) ?? null,
    avgProcessingTime: average(completed.map((b) => b.processingDelay)) ?? null,
    avgTotalDelay: average(completed.map((b) => b.totalDelay)) ?? null,
  };
};

/** Spark's `BatchInfo` of the REST API. */
export const batchJson = (store: UIStore, b: BatchRecord): Record<string, unknown> => {
  const failed = b.operations.filter((o) => o.status === "failed");
  return {
    batchId: b.batchTime,
    batchTime: sparkDate(b.batchTime),
    status: b.status,
    batchDuration: store.batchDuration,
    inputSize: b.numRecords,
    schedulingDelay: b.schedulingDelay ?? null,
    processingTime: b.processingDelay ?? null,
    totalDelay: b.totalDelay ?? null,
    numActiveOutputOps: b.operations.filter((o) => o.status === "running").length,
    numCompletedOutputOps: b.operations.filter((o) => o.status === "succeeded").length,
    numFailedOutputOps: failed.length,
    numTotalOutputOps: b.operations.length,
    firstFailureReason: failed[0]?.failureReason ?? null,
  };
};

/** Every batch kept, newest first (as Spark lists them); optionally of one status. */
export const batches = (store: UIStore, status?: string): Array<Record<string, unknown>> => {
  const all = [...store.active.values(), ...store.completed].sort((a, b) => b.batchTime - a.batchTime);
  return all.filter((b) => status === undefined || b.status === status).map((b) => batchJson(store, b));
};

/** Spark's `OutputOperationInfo` list of a batch. */
export const operations = (b: BatchRecord): Array<Record<string, unknown>> =>
  b.operations.map((o) => ({
    outputOpId: o.id,
    name: o.name,
    description: o.description ?? o.name,
    startTime: o.startTime === undefined ? null : sparkDate(o.startTime),
    endTime: o.endTime === undefined ? null : sparkDate(o.endTime),
    duration: o.duration ?? null,
    failureReason: o.failureReason ?? null,
  }));

/** Records per second an input gave each retained batch: `[batchTime, rate]`. */
const ratesOf = (store: UIStore, inputId: number): Array<[number, number]> =>
  store.completed.map((b) => [b.batchTime, ((b.inputs.find((i) => i.id === inputId)?.numRecords ?? 0) * 1000) / store.batchDuration]);

/** Spark's `ReceiverInfo` list. */
export const receivers = (store: UIStore): Array<Record<string, unknown>> =>
  [...store.receivers.values()].map((r) => {
    const eventRates = ratesOf(store, r.streamId);
    return {
      streamId: r.streamId,
      streamName: r.name,
      isActive: r.active,
      executorId: "driver",
      executorHost: "localhost",
      lastErrorTime: r.lastErrorTime < 0 ? null : sparkDate(r.lastErrorTime),
      lastErrorMessage: r.lastErrorMessage,
      lastError: r.lastError,
      avgEventRate: average(eventRates.map(([, rate]) => rate)) ?? null,
      eventRates,
    };
  });

/** How many completed batches the live page's tables list. */
const TABLE_ROWS = 100;

const row = (store: UIStore, b: BatchRecord) => ({
  batchTime: b.batchTime,
  status: b.status,
  numRecords: b.numRecords,
  inputRate: (b.numRecords * 1000) / store.batchDuration,
  schedulingDelay: b.schedulingDelay ?? null,
  processingDelay: b.processingDelay ?? null,
  totalDelay: b.totalDelay ?? null,
  operations: b.operations.map((o) => ({
    id: o.id,
    name: o.name,
    status: o.status,
    duration: o.duration ?? null,
    failureReason: o.failureReason ?? null,
  })),
  nodeRecords: b.nodeRecords,
});

/** Everything the live page draws, in one message. */
export const snapshot = (store: UIStore, appName: string, killEnabled: boolean): Record<string, unknown> => {
  const inputs = [...store.inputNames].map(([id, name]) => ({
    id,
    name,
    totalRecords: store.receivedByInput.get(id) ?? 0,
    rates: ratesOf(store, id),
  }));
  return {
    appName,
    killEnabled,
    state: store.ssc.getState(),
    uptime: store.startTime === undefined ? null : store.ssc.clock.now() - store.startTime,
    batchDuration: store.batchDuration,
    retainedBatches: store.retainedBatches,
    statistics: statistics(store),
    totalFailedBatches: store.totalFailedBatches,
    timeline: store.completed.map((b) => [b.batchTime, b.numRecords, b.schedulingDelay ?? null, b.processingDelay ?? null, b.totalDelay ?? null]),
    active: [...store.active.values()].sort((a, b) => a.batchTime - b.batchTime).map((b) => row(store, b)),
    completed: store.completed.slice(-TABLE_ROWS).reverse().map((b) => row(store, b)),
    receivers: receivers(store).map((r) => ({ ...r, eventRates: undefined, errors: store.receivers.get(r["streamId"] as number)?.errors ?? 0 })),
    inputs,
    lineage: store.lineage(),
    stateSizes: store.stateSizes(),
    lastNodeRecords: store.completed.at(-1)?.nodeRecords ?? {},
    deadLetters: store.deadLetters(),
    lastError: store.lastError ?? null,
  };
};
