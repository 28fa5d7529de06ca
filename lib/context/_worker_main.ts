/**
 * The entry of a `local[n]` worker thread (see `_workers.ts`): builds the user's
 * pipeline by calling the function the driver named (never starting its context), tells
 * the driver its graph's signature, then computes the map side of the partitions it is
 * sent, with its own copy of the pipeline's functions.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { RDD } from "../rdd/rdd.ts";
import { Time } from "../time/duration.ts";
import { CombinedByKeyDStream, type DStreamNode } from "../dstream/_node.ts";
import { describeError } from "../_describe.ts";
import type { ShippedPartition } from "../dstream/_input.ts";
import { LineBlock } from "../sources/line_splitter.ts";
import { graphOf, StreamingContext } from "./streaming_context.ts";
import { combinePartition, graphSignature, type MapOutput, nodesReadBy } from "./_map_side.ts";
import type { TaskMessage, WorkerJob, WorkerMessage } from "./_workers.ts";

const port = parentPort;
if (port === null) throw new Error("lib/context/_worker_main is the entry of a worker thread: it is started by StreamingContext.fromModule");
const post = (message: WorkerMessage): void => port.postMessage(message);

/** Builds the user's pipeline: its nodes by id, in creation order. */
const build = async (job: WorkerJob): Promise<{ nodes: Map<number, DStreamNode<unknown>>; signature: ReadonlyArray<string> }> => {
  const module = (await import(job.module)) as Record<string, unknown>;
  const create = module[job.exportName];
  if (typeof create !== "function") throw new TypeError(`the module has no function named ${job.exportName}`);
  const ssc: unknown = await (create as (...args: ReadonlyArray<unknown>) => unknown)(...job.args);
  if (!(ssc instanceof StreamingContext)) throw new TypeError(`${job.exportName} did not return a StreamingContext`);
  const outputs = graphOf(ssc).outputs;
  return { nodes: nodesReadBy(outputs), signature: graphSignature(outputs) };
};

/** A partition's records from the pieces the driver sent (packed lines split here, as the driver would). */
const recordsOf = ({ count, pieces }: ShippedPartition): ReadonlyArray<unknown> => {
  const unpack = (piece: ReadonlyArray<unknown> | string) => (typeof piece === "string" ? LineBlock.linesOf(piece) : piece);
  let records = pieces.length === 1 ? unpack(pieces[0]!) : undefined;
  if (records === undefined) {
    const all: unknown[] = [];
    for (const piece of pieces) {
      const part = unpack(piece);
      for (let i = 0; i < part.length; i++) all.push(part[i]);
    }
    records = all;
  }
  if (records.length !== count) throw new Error(`internal: a partition sent as ${count} records holds ${records.length}`);
  return records;
};

/** Computes one task's map outputs; the batch's RDDs are forgotten afterwards. */
const run = (nodes: Map<number, DStreamNode<unknown>>, task: TaskMessage): ReadonlyArray<MapOutput<unknown, unknown>> => {
  const node = nodes.get(task.node);
  if (!(node instanceof CombinedByKeyDStream)) throw new Error(`internal: stream ${task.node} is not a keyed step on this worker`);
  const time = new Time(task.time);
  node.initialize(new Time(task.zeroTime));
  const seeded: DStreamNode<unknown>[] = [];
  for (const [id, numPartitions, parts] of task.inputs) {
    const input = nodes.get(id);
    if (input === undefined) throw new Error(`internal: no input ${id} on this worker`);
    const partitions: Array<ReadonlyArray<unknown>> = new Array(numPartitions);
    for (let p = 0; p < numPartitions; p++) partitions[p] = [];
    for (const [p, shipped] of parts) partitions[p] = recordsOf(shipped);
    input.seedRDD(time, RDD.fromPartitions(partitions));
    seeded.push(input);
  }
  try {
    const parent = node.parents[0]!.getOrCompute(time) as RDD<readonly [unknown, unknown]> | undefined;
    if (parent === undefined) throw new Error(`internal: stream ${node.parents[0]!.name} has no RDD at ${time} on this worker`);
    return task.partitions.map((p) => combinePartition(parent, p, node.combineFunctions as never, node.name));
  } finally {
    const after = new Time(task.time + node.slideDuration.milliseconds);
    for (const each of nodes.values()) each.clearOldRDDs(after);
  }
};

const job = workerData as WorkerJob;
try {
  const { nodes, signature } = await build(job);
  port.on("message", (task: TaskMessage) => {
    let outputs: ReadonlyArray<MapOutput<unknown, unknown>>;
    try {
      outputs = run(nodes, task);
    } catch (error) {
      // The driver computes these partitions again: a user function's error is thrown there, as on one thread.
      post({ type: "failed", id: task.id, message: describeError(error) });
      return;
    }
    post({ type: "done", id: task.id, outputs });
  });
  post({ type: "ready", signature });
} catch (error) {
  post({ type: "loadFailed", message: describeError(error) });
}
