/**
 * Reading a checkpoint back (`StreamingContext.getOrCreate`): the newest usable checkpoint,
 * the state checkpoint it refers to, and restoring every part of today's graph by name,
 * after checking that today's code can take the checkpoint over.
 *
 * @module
 */
import { Time } from "../time/duration.ts";
import type { Logger } from "../dstream/_graph.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";
import type { CheckpointStore } from "../checkpoint/store.ts";
import { decodeCheckpoint, type DecodedCheckpoint } from "../checkpoint/_format.ts";
import { checkCompatibility, type CompatibilityOptions, type NodeShape, type WindowShape } from "../checkpoint/_compatibility.ts";
import { CheckpointCorruptError, CheckpointMismatchError } from "../checkpoint/errors.ts";

/** What a checkpoint directory holds for a context to resume from. */
export interface FoundCheckpoint {
  /** Where the newest usable checkpoint is. */
  readonly location: string;
  /** The last batch whose outputs completed. */
  readonly batchTime: Time;
  readonly zeroTime: Time;
  /** The batch whose state the checkpoint holds: every batch after it is generated again. */
  readonly stateTime: Time;
  readonly batchIntervalMs: number;
  /** The newest checkpoint (every input's position). */
  readonly latest: DecodedCheckpoint;
  /** The checkpoint holding the state (`latest` itself, or an earlier one); none before the first. */
  readonly state: DecodedCheckpoint | undefined;
}

/** The newest usable checkpoint in `store` and the state it refers to; undefined when the store is empty. */
export const findCheckpoint = async (store: CheckpointStore): Promise<FoundCheckpoint | undefined> => {
  const latest = await store.readLatest(decodeCheckpoint);
  if (latest === undefined) return undefined;
  const header = latest.value.header;
  const batchTime = new Time(header.batchTimeMs);
  const zeroTime = new Time(header.zeroTimeMs ?? 0);
  const stateTime = new Time(header.stateTimeMs ?? header.batchTimeMs);
  let state: DecodedCheckpoint | undefined;
  // The newest file may be the record of a batch generated after the state's (named after it).
  if (stateTime.milliseconds === latest.time.milliseconds) state = latest.value;
  else if (stateTime.milliseconds > zeroTime.milliseconds) {
    state = await store.readAt(stateTime, decodeCheckpoint);
    if (state === undefined) {
      // Which checkpoints are there: what tells how the state's went missing.
      const held = (await store.list()).map((c) => c.time.milliseconds).join(", ");
      throw new CheckpointCorruptError(
        latest.location,
        `it refers to the state checkpoint of batch ${stateTime}, which the store no longer holds (it holds the checkpoints of batches ${held || "none"})`,
      );
    }
  }
  return { location: latest.location, batchTime, zeroTime, stateTime, batchIntervalMs: header.graph.batchIntervalMs, latest: latest.value, state };
};

/** Today's graph as the compatibility check sees it. */
export interface TodayGraph {
  readonly batchIntervalMs: number;
  readonly windows: ReadonlyArray<WindowShape>;
  readonly parts: ReadonlyArray<Recoverable<unknown>>;
}

/**
 * Restores every part of today's graph the checkpoint holds, by name. Throws a
 * `CheckpointMismatchError` listing every refusal (with its ways out) before restoring
 * anything; logs the parts that start empty.
 */
export const restoreParts = async (
  found: FoundCheckpoint,
  today: TodayGraph,
  options: CompatibilityOptions,
  logger: Logger,
): Promise<void> => {
  const recordedNodes: Array<NodeShape & { readonly from: DecodedCheckpoint }> = [];
  for (const entry of found.state?.header.entries ?? []) if (entry.role === "state") recordedNodes.push({ ...entry, from: found.state! });
  for (const entry of found.latest.header.entries) if (entry.role === "input") recordedNodes.push({ ...entry, from: found.latest });
  const plan = checkCompatibility(
    { batchIntervalMs: found.batchIntervalMs, windows: found.latest.header.graph.windows, nodes: recordedNodes },
    {
      batchIntervalMs: today.batchIntervalMs,
      windows: today.windows,
      nodes: today.parts.map((part) => ({ name: part.name, role: part.role, kind: part.kind, version: part.codec.version, migrates: part.codec.migrates })),
    },
    options,
  );
  if (plan.refused.length > 0) throw new CheckpointMismatchError(plan.refused);
  const byName = new Map(today.parts.map((part) => [part.name, part]));
  for (const { name } of plan.restore) {
    const part = byName.get(name)!;
    const recorded = recordedNodes.find((node) => node.name === name)!;
    const bytes = recorded.from.bytes.get(name)!;
    const state = part.codec.decode(bytes, recorded.version, name);
    await part.restore(state, found.batchTime, found.stateTime);
  }
  for (const name of plan.startEmpty) logger.warn(`${name} is not in the checkpoint ${found.location}: it starts empty`);
  for (const name of plan.discarded) logger.warn(`${name}: its checkpointed state was discarded (discardState)`);
};
