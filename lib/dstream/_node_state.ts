/**
 * How a stateful node takes part in checkpoints: one `Recoverable` registered with its
 * context, named by the node's checkpoint name, its state encoded by the codec given with
 * `checkpoint(interval, { codec })` or by `node:v8` (see `v8StateCodec` for what it keeps).
 *
 * @module
 */
import type { Time } from "../time/duration.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";
import { type StateCodec, v8StateCodec } from "../checkpoint/state_codec.ts";
import type { DStreamNode } from "./_node.ts";

/** What a stateful node gives its checkpoint: its state after a batch, and taking it back. */
export interface NodeState<S> {
  /** The state after the batch at `time` (run its step first if no output read it); must not change afterwards. */
  snapshot(time: Time): S;
  /** Takes back the state after the batch at `stateTime`, before the context starts. */
  restore(state: S, stateTime: Time): void;
}

const defaultCodec = v8StateCodec<unknown>();

/**
 * A stateful node as the Kafka scale-out stream sees it: its node (kind, parents,
 * checkpoint name) and its state's snapshot and restore, by which the state of a
 * partition that moves to another process is taken out or put in between batches.
 */
export interface RegisteredNodeState {
  readonly node: DStreamNode<unknown>;
  readonly state: NodeState<unknown>;
}

/** Every stateful node of a context, in creation order (read only when a scale-out stream starts). */
const byContext = new WeakMap<object, RegisteredNodeState[]>();

/** The stateful nodes registered on `context` so far. */
export const registeredNodeStates = (context: object): ReadonlyArray<RegisteredNodeState> => byContext.get(context) ?? [];

/** Registers `node`'s state with its context's checkpoints. */
export const registerNodeState = <S>(node: DStreamNode<unknown>, state: NodeState<S>): void => {
  const part: Recoverable<S> = {
    get name() {
      return node.checkpointName;
    },
    role: "state",
    kind: node.kind,
    get codec() {
      return (node.stateCodec ?? defaultCodec) as StateCodec<S>;
    },
    snapshot: (time) => state.snapshot(time),
    restore: (value, _time, stateTime) => state.restore(value, stateTime),
  };
  node.context.registerRecoverable(part as Recoverable<unknown>);
  let list = byContext.get(node.context);
  if (list === undefined) byContext.set(node.context, list = []);
  list.push({ node, state: state as NodeState<unknown> });
};
