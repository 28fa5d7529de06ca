import t from "tap";
import * as tt from "io-ts";
import { none, some } from "fp-ts/lib/Option.js";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Time } from "../lib/time/duration.ts";
import { directoryCheckpointStore } from "../lib/checkpoint/directory_store.ts";
import { decodeCheckpoint, encodeCheckpoint, restoreState } from "../lib/checkpoint/_format.ts";
import { ioTsStateCodec, v8StateCodec } from "../lib/checkpoint/state_codec.ts";
import { StateDecodeError, UnsupportedStateError } from "../lib/checkpoint/errors.ts";

const collect = async (chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> => {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
};

t.test("v8 state round-trips Map, Set, Date, BigInt, typed arrays and fp-ts Options", async (t) => {
  const codec = v8StateCodec<unknown>();
  const state = new Map<unknown, unknown>([
    ["a", some(1)],
    ["b", none],
    [3n, new Set([new Date(5), /x+/g])],
    ["typed", new Float64Array([1.5, 2.5])],
    ["plain", { nested: [1, "two", null, undefined, { option: some(some(2n)) }] }],
  ]);
  const back = codec.decode(codec.encode(state, "n"), 1, "n") as Map<unknown, unknown>;
  t.same(back, state);
  t.ok(back.get(3n) instanceof Set && [...(back.get(3n) as Set<unknown>)][0] instanceof Date);
  t.same(back.get("a"), { _tag: "Some", value: 1 }, "an Option is a plain { _tag } object");
});

t.test("state v8 cannot keep is refused when written, saying where and what loses its class", async (t) => {
  class Point {
    readonly x: number;
    constructor(x: number) {
      this.x = x;
    }
  }
  const codec = v8StateCodec<unknown>();
  const refused = (state: unknown): UnsupportedStateError => {
    try {
      codec.encode(state, "counts");
    } catch (error) {
      if (error instanceof UnsupportedStateError) return error;
      throw error;
    }
    throw new Error("not refused");
  };
  t.match(refused(new Map([["k", { at: new Point(1) }]])).message,
    /state of counts cannot be checkpointed: state\.get\("k"\)\.at is an instance of Point, which would come back as a plain object without its class/);
  t.match(refused({ f: function total() {} }).message, /state\.f is a function \(total\)/);
  t.match(refused([1, Symbol("s")]).message, /state\[1\] is a symbol/);
  t.match(refused(new Set([new WeakMap()])).message, /state\.values\(\)\[0\] is an instance of WeakMap/);
  t.equal(refused(new Map([["k", new Point(2)]])).path, 'state.get("k")');
});

t.test("an io-ts codec decodes typed, refuses a wrong shape, and migrates an older version", async (t) => {
  const Count = tt.type({ count: tt.number });
  const v1 = ioTsStateCodec(Count);
  const bytes = v1.encode({ count: 3 }, "counts");
  t.same(v1.decode(bytes, 1, "counts"), { count: 3 });
  const Other = tt.type({ total: tt.string });
  t.throws(() => ioTsStateCodec(Other).decode(bytes, 1, "counts"), /the io-ts codec .* refused it at total/);
  const v2 = ioTsStateCodec(tt.type({ count: tt.number, label: tt.string }), {
    version: 2,
    migrate: (old, from) => ({ count: (old as { count: number }).count, label: `from v${from}` }),
  });
  t.same(v2.decode(bytes, 1, "counts"), { count: 3, label: "from v1" });
  const v2NoMigration = ioTsStateCodec(Count, { version: 2 });
  const error = (() => {
    try {
      v2NoMigration.decode(bytes, 1, "counts");
    } catch (e) {
      return e;
    }
  })();
  t.ok(error instanceof StateDecodeError);
  t.match((error as Error).message, /format version 1 and today's code reads version 2: give the codec a migrate function from version 1, or discard the state with discardState: \["counts"\]/);
});

t.test("a checkpoint records graph metadata, pending batches and each entry's name, kind and version, and restores by name", async (t) => {
  const counts = v8StateCodec<Map<string, number>>();
  const files = v8StateCodec<{ remembered: string[] }>({ version: 2 });
  const bytes = await collect(encodeCheckpoint(
    { batchTimeMs: 30_000, graph: { batchIntervalMs: 10_000, windows: [{ name: "w", lengthMs: 30_000, slideMs: 10_000 }] }, pendingBatchesMs: [40_000, 50_000] },
    [
      { name: "counts", role: "state", kind: "updateStateByKey", version: 1, codec: counts, state: new Map([["a", 1]]) },
      { name: "files", role: "input", kind: "textFileStream", version: 2, codec: files, state: { remembered: ["x.txt"] } },
    ],
  ));
  const decoded = decodeCheckpoint(bytes);
  t.same(decoded.header.pendingBatchesMs, [40_000, 50_000]);
  t.same(decoded.header.graph.windows, [{ name: "w", lengthMs: 30_000, slideMs: 10_000 }]);
  t.same(decoded.header.entries.map((e) => [e.name, e.role, e.kind, e.version, e.codec]), [
    ["counts", "state", "updateStateByKey", 1, "v8"],
    ["files", "input", "textFileStream", 2, "v8"],
  ]);
  t.same(restoreState(decoded, "counts", counts), new Map([["a", 1]]));
  t.same(restoreState(decoded, "files", files), { remembered: ["x.txt"] });
  t.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 3)), /runs past the end/);
});

t.test("through the directory store, an undecodable latest checkpoint falls back to the previous one", async (t) => {
  const warnings: string[] = [];
  const store = directoryCheckpointStore(await mkdtemp(join(tmpdir(), "ckpt-fmt-")), { logger: { warn: (m) => void warnings.push(m) } });
  const codec = v8StateCodec<number>();
  const piece = (n: number) => [{ name: "n", role: "state" as const, kind: "k", version: 1, codec, state: n }];
  await store.write(new Time(1000), encodeCheckpoint({ batchTimeMs: 1000, graph: { batchIntervalMs: 1000, windows: [] }, pendingBatchesMs: [] }, piece(1)));
  await store.write(new Time(2000), new TextEncoder().encode("intact bytes, but not a checkpoint"));
  const latest = await store.readLatest(decodeCheckpoint);
  t.equal(latest && restoreState(latest.value, "n", codec), 1);
  t.match(warnings[0], /checkpoint-2000 is unusable: it does not decode/);
});
