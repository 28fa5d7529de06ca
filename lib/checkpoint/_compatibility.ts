/**
 * Which parts of a checkpoint today's graph can take over. Private to lib/checkpoint.
 *
 * @module
 */
import { type Refusal } from "./errors.ts";

/** A stateful node or an input, as a checkpoint records it. */
export interface NodeShape {
  readonly name: string;
  readonly role: "state" | "input";
  readonly kind: string;
  readonly version: number;
}

/** A node of today's graph: `migrates` when its codec has a migration function. */
export interface TodayNode extends NodeShape {
  readonly migrates?: boolean;
}

/** A window's name, length and slide (ms). */
export interface WindowShape {
  readonly name: string;
  readonly lengthMs: number;
  readonly slideMs: number;
}

/** The graph as a checkpoint records it, or as today's code builds it. */
export interface GraphShape<N extends NodeShape = NodeShape> {
  readonly batchIntervalMs: number;
  readonly windows: ReadonlyArray<WindowShape>;
  readonly nodes: ReadonlyArray<N>;
}

export interface CompatibilityOptions {
  /** Recorded state to drop: its node (if still there) starts empty. */
  readonly discardState?: ReadonlyArray<string>;
  /** Whether a node the checkpoint does not know may start empty: true by default. */
  readonly allowNewNodes?: boolean;
  /** Maps a recorded batch time onto today's interval; allows a changed batch interval. */
  readonly migrateBatchTime?: (recordedMs: number) => number;
  /** Windows whose changed length or slide a migration handles. */
  readonly migrateWindows?: ReadonlyArray<string>;
}

export interface RestorePlan {
  /** Restored by name (`migrate` when the codec converts it). */
  readonly restore: ReadonlyArray<{ readonly name: string; readonly migrate: boolean }>;
  /** Today's nodes that start empty (new, or their state discarded): to be logged. */
  readonly startEmpty: ReadonlyArray<string>;
  /** Recorded state dropped on request. */
  readonly discarded: ReadonlyArray<string>;
  /** What stops recovery; empty when it may go on. */
  readonly refused: ReadonlyArray<Refusal>;
}

const NAME_IT = (name: string) => `if the node was renamed, give it its old name with named("${name}")`;
const DISCARD = (name: string) => `drop its state with discardState: ["${name}"]`;

/** Compares a recorded graph with today's: what to restore, what starts empty, what is refused. */
export const checkCompatibility = (
  recorded: GraphShape,
  today: GraphShape<TodayNode>,
  options: CompatibilityOptions = {},
): RestorePlan => {
  const discard = new Set(options.discardState ?? []);
  const todayByName = new Map(today.nodes.map((node) => [node.name, node]));
  const recordedByName = new Map(recorded.nodes.map((node) => [node.name, node]));
  const restore: Array<{ name: string; migrate: boolean }> = [];
  const startEmpty: string[] = [];
  const discarded: string[] = [];
  const refused: Refusal[] = [];

  for (const name of discard) {
    if (!recordedByName.has(name)) {
      refused.push({
        name,
        rule: "unknown-discard",
        message: `discardState names ${JSON.stringify(name)}, which the checkpoint does not hold (it holds ${[...recordedByName.keys()].map((n) => JSON.stringify(n)).join(", ") || "nothing"})`,
        waysOut: ["correct the name", "remove it from discardState"],
      });
    }
  }
  if (recorded.batchIntervalMs !== today.batchIntervalMs && options.migrateBatchTime === undefined) {
    refused.push({
      name: "batchInterval",
      rule: "batch-interval-changed",
      message: `the batch interval changed from ${recorded.batchIntervalMs} ms to ${today.batchIntervalMs} ms`,
      waysOut: [
        `restore the batch interval of ${recorded.batchIntervalMs} ms`,
        "supply a migration function mapping recorded batch times onto the new interval (migrateBatchTime)",
        "start from an empty checkpoint directory",
      ],
    });
  }
  const todayWindows = new Map(today.windows.map((w) => [w.name, w]));
  for (const window of recorded.windows) {
    const now = todayWindows.get(window.name);
    if (now === undefined || discard.has(window.name) || (options.migrateWindows ?? []).includes(window.name)) continue;
    if (now.lengthMs !== window.lengthMs || now.slideMs !== window.slideMs) {
      refused.push({
        name: window.name,
        rule: "window-changed",
        message: `${window.name}: the window changed from length ${window.lengthMs} ms, slide ${window.slideMs} ms to length ${now.lengthMs} ms, slide ${now.slideMs} ms`,
        waysOut: [`restore length ${window.lengthMs} ms and slide ${window.slideMs} ms`, DISCARD(window.name), `supply a migration for it (migrateWindows: ["${window.name}"])`],
      });
    }
  }
  for (const node of recorded.nodes) {
    const now = todayByName.get(node.name);
    if (discard.has(node.name)) {
      discarded.push(node.name);
      if (now !== undefined) startEmpty.push(node.name);
      continue;
    }
    if (now === undefined) {
      refused.push({
        name: node.name,
        rule: "state-without-node",
        message: `${node.name} (${node.kind}, state format ${node.version}) has ${node.role === "input" ? "a recorded position" : "state"} in the checkpoint but no node of that name today`,
        waysOut: [NAME_IT(node.name), DISCARD(node.name)],
      });
      continue;
    }
    if (now.kind !== node.kind && now.migrates !== true) {
      refused.push({
        name: node.name,
        rule: "kind-changed",
        message: `${node.name} was a ${node.kind} when checkpointed and is a ${now.kind} today`,
        waysOut: [`supply a migration function from ${node.kind} state in its state codec`, DISCARD(node.name), "name the new node differently with named(...)"],
      });
      continue;
    }
    if (now.version !== node.version && now.migrates !== true) {
      refused.push({
        name: node.name,
        rule: "format-changed",
        message: `${node.name}: its state was written in format version ${node.version}, today's code writes version ${now.version}`,
        waysOut: [`supply a migration function from version ${node.version} in its state codec (migrate)`, DISCARD(node.name)],
      });
      continue;
    }
    restore.push({ name: node.name, migrate: now.kind !== node.kind || now.version !== node.version });
  }
  for (const node of today.nodes) {
    if (recordedByName.has(node.name)) continue;
    if (options.allowNewNodes === false) {
      refused.push({
        name: node.name,
        rule: "new-node-not-allowed",
        message: `${node.name} (${node.kind}) is new: the checkpoint has no state for it and new nodes are not allowed`,
        waysOut: ["allow new nodes to start empty (allowNewNodes: true)", NAME_IT(node.name)],
      });
    } else {
      startEmpty.push(node.name);
    }
  }
  return { restore, startEmpty, discarded, refused };
};
