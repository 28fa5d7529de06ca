import t from "tap";
import { mkdtemp, readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Time } from "../lib/time/duration.ts";
import { directoryCheckpointStore } from "../lib/checkpoint/directory_store.ts";
import { CheckpointCorruptError } from "../lib/checkpoint/errors.ts";

const text = (s: string) => new TextEncoder().encode(s);
const asText = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const tempDir = () => mkdtemp(join(tmpdir(), "ckpt-store-"));
const collecting = () => {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (m: string) => void warnings.push(m) } };
};

t.test("a written checkpoint is read back as the latest; chunks from an async iterable are joined", async (t) => {
  const dir = await tempDir();
  const store = directoryCheckpointStore(dir);
  t.equal(await store.readLatest(asText), undefined, "an empty (even missing) directory holds none");
  await store.write(new Time(1000), text("first"));
  async function* chunks() {
    yield text("sec");
    yield text("ond");
  }
  await store.write(new Time(2000), chunks());
  const latest = await store.readLatest(asText);
  t.equal(latest?.value, "second");
  t.equal(latest?.time.milliseconds, 2000);
  t.same((await store.list()).map((c) => c.time.milliseconds), [1000, 2000]);
  t.same((await readdir(dir)).sort(), ["checkpoint-1000", "checkpoint-2000"], "Spark's file names, no temporary left");
});

t.test("only the newest 10 are kept, as Spark's CheckpointWriter does; prune(keep) removes more", async (t) => {
  const store = directoryCheckpointStore(await tempDir());
  for (let i = 1; i <= 13; i++) await store.write(new Time(i * 1000), text(String(i)));
  t.same((await store.list()).map((c) => c.time.milliseconds / 1000), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  const removed = await store.prune(2);
  t.same(removed.map((c) => c.time.milliseconds / 1000), [4, 5, 6, 7, 8, 9, 10, 11]);
  t.same((await store.list()).map((c) => c.time.milliseconds / 1000), [12, 13]);
  const three = directoryCheckpointStore(await tempDir(), { keep: 3 });
  for (let i = 1; i <= 5; i++) await three.write(new Time(i), text(String(i)));
  t.same((await three.list()).map((c) => c.time.milliseconds), [3, 4, 5]);
  t.throws(() => directoryCheckpointStore("x", { keep: 0 }), /keeps at least 1 checkpoint, got keep: 0/);
});

t.test("a crash in mid-write (a temporary file left behind) leaves the previous checkpoint usable", async (t) => {
  const dir = await tempDir();
  const store = directoryCheckpointStore(dir);
  await store.write(new Time(1000), text("good"));
  await writeFile(join(dir, ".checkpoint-2000.tmp-999-1"), text("half writ"));
  t.equal((await store.readLatest(asText))?.value, "good");
  await store.write(new Time(3000), text("next"));
  t.same((await readdir(dir)).sort(), ["checkpoint-1000", "checkpoint-3000"], "the next write clears the stale temporary file");
});

t.test("a corrupt latest checkpoint falls back to the previous one, with a warning naming the file", async (t) => {
  const damage: Record<string, (file: string) => Promise<void>> = {
    truncated: (file) => truncate(file, 20),
    "a flipped byte (bad checksum)": async (file) => {
      const bytes = await readFile(file);
      bytes[10] = bytes[10]! ^ 0xff;
      await writeFile(file, bytes);
    },
    "emptied": (file) => writeFile(file, ""),
  };
  for (const [how, spoil] of Object.entries(damage)) {
    const dir = await tempDir();
    const { warnings, logger } = collecting();
    const store = directoryCheckpointStore(dir, { logger });
    await store.write(new Time(1000), text("one"));
    await store.write(new Time(2000), text("two, longer than twenty bytes"));
    await spoil(join(dir, "checkpoint-2000"));
    const latest = await store.readLatest(asText);
    t.equal(latest?.value, "one", how);
    t.same(latest?.skipped.map((c) => c.time.milliseconds), [2000]);
    t.equal(warnings.length, 1);
    t.match(warnings[0], join(dir, "checkpoint-2000"), `${how}: the warning names the file`);
    t.match(warnings[0], `falling back to ${join(dir, "checkpoint-1000")}`);
  }
});

t.test("a checkpoint the decoder refuses (undecodable) also falls back; none usable is a CheckpointCorruptError", async (t) => {
  const { warnings, logger } = collecting();
  const store = directoryCheckpointStore(await tempDir(), { logger });
  await store.write(new Time(1000), text("{\"ok\":1}"));
  await store.write(new Time(2000), text("not json"));
  const latest = await store.readLatest((bytes) => JSON.parse(asText(bytes)) as unknown);
  t.same(latest?.value, { ok: 1 });
  t.match(warnings[0], /checkpoint-2000 is unusable: it does not decode \(SyntaxError/);
  const error = await store.readLatest(() => {
    throw new Error("nope");
  }).catch((e: unknown) => e);
  t.ok(error instanceof CheckpointCorruptError, "a CheckpointCorruptError");
  t.match((error as Error).message, /none of the 1 older checkpoints is usable/);
});

t.test("writes apply in call order even when not awaited one by one", async (t) => {
  const store = directoryCheckpointStore(await tempDir(), { keep: 2 });
  await Promise.all([1, 2, 3, 4].map((i) => store.write(new Time(i), text(String(i)))));
  t.same((await store.list()).map((c) => c.time.milliseconds), [3, 4]);
  t.equal((await store.readLatest(asText))?.value, "4");
});
