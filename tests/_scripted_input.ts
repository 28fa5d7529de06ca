/**
 * A recoverable test input in the shape of Spark's TestInputStream: the batch at time t
 * is `script[(t − zeroTime) / batch − 1]`, so a recovered context regenerates exactly the
 * same batches. Its checkpointed position records the batches it gave (and a test can
 * check that recovery regenerated them from it, not from the script).
 */
import { RDD, type StreamingContext, type Time, v8StateCodec } from "../mod.ts";
import { graphOf, InputDStream, type Recoverable } from "../spi.ts";

export class ScriptedInput<A> extends InputDStream<A> {
  readonly #script: ReadonlyArray<ReadonlyArray<A>>;
  readonly #label: string;
  /** Batch times regenerated after a recovery (from the checkpoint's record). */
  readonly regenerated: number[] = [];
  #given = new Map<number, ReadonlyArray<A>>();
  #recovered = new Map<number, ReadonlyArray<A>>();

  constructor(ssc: StreamingContext, label: string, script: ReadonlyArray<ReadonlyArray<A>>) {
    const graph = graphOf(ssc);
    super(graph, "scripted");
    this.#script = script;
    this.#label = label;
    const part: Recoverable<ReadonlyArray<readonly [number, ReadonlyArray<A>]>> = {
      get name() {
        return `scripted(${label})`;
      },
      role: "input",
      kind: "scripted",
      codec: v8StateCodec(),
      snapshot: (_time, stateTime) => {
        for (const t of this.#given.keys()) if (t <= stateTime.milliseconds) this.#given.delete(t);
        return [...this.#given];
      },
      restore: (given) => {
        this.#recovered = new Map(given);
        this.#given = new Map(given);
      },
    };
    graph.registerRecoverable(part as Recoverable<unknown>);
  }

  override get sourceIdentity(): string {
    return this.#label;
  }

  protected override take(time: Time) {
    const recorded = this.#recovered.get(time.milliseconds);
    if (recorded !== undefined) {
      this.#recovered.delete(time.milliseconds);
      this.regenerated.push(time.milliseconds);
      return { rdd: RDD.fromArray(recorded, 2), count: recorded.length };
    }
    const index = (time.milliseconds - this.zeroTime!.milliseconds) / this.slideDuration.milliseconds - 1;
    const batch = this.#script[index] ?? [];
    this.#given.set(time.milliseconds, batch);
    return { rdd: RDD.fromArray(batch, 2), count: batch.length };
  }
}
