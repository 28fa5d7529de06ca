/**
 * How a model takes part in checkpoints: `trainOn` registers it once per context as a
 * `Recoverable` (role "state") under the model's stable name, so a checkpoint keeps the
 * model after every state interval and `StreamingContext.getOrCreate` puts it back.
 * Internal.
 *
 * @module
 */
import type { Recoverable } from "../checkpoint/recoverable.ts";
import type { StateCodec } from "../checkpoint/state_codec.ts";
import type { StreamingGraph } from "../dstream/_graph.ts";

/** What a model gives its checkpoint. */
export interface ModelState<S> {
  readonly name: string;
  readonly stateCodec: StateCodec<S>;
  snapshot(): S;
  restore(state: S): void;
}

const registered = new WeakMap<StreamingGraph, WeakSet<object>>();

/** Registers `model` with `context`'s checkpoints (once, however often it trains there). */
export const registerModel = <S>(context: StreamingGraph, kind: string, model: ModelState<S>): void => {
  let models = registered.get(context);
  if (models === undefined) registered.set(context, models = new WeakSet());
  if (models.has(model)) return;
  models.add(model);
  const part: Recoverable<S> = {
    name: model.name,
    role: "state",
    kind,
    codec: model.stateCodec,
    // Copies: the next batch makes a new model, it never changes this value.
    snapshot: () => model.snapshot(),
    restore: (state) => model.restore(state),
  };
  context.registerRecoverable(part as Recoverable<unknown>);
};
