import t from "tap";
import { mkdtemp, readdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWriteAheadLog, type WriteAheadLog } from "../lib/checkpoint/write_ahead_log.ts";
import { WalCorruptError } from "../lib/checkpoint/errors.ts";

const text = (s: string) => new TextEncoder().encode(s);
const tempDir = () => mkdtemp(join(tmpdir(), "wal-"));
const quiet = () => {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (m: string) => void warnings.push(m) } };
};
const replayed = async (log: WriteAheadLog, from = 0): Promise<string[][]> => {
  const blocks: string[][] = [];
  for await (const block of log.replay(from)) blocks.push(block.records.map((r) => new TextDecoder().decode(r)));
  return blocks;
};
const segments = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith("wal-")).sort();

t.test("blocks replay in order after reopening, from the start or from a position", async (t) => {
  const dir = await tempDir();
  const log = await openWriteAheadLog(dir);
  const first = await log.append([text("a"), text("b")]);
  const second = await log.append([text("c")]);
  await log.append([]);
  t.equal(first, 0);
  t.ok(second > first);
  await log.close();
  const reopened = await openWriteAheadLog(dir);
  t.same(await replayed(reopened), [["a", "b"], ["c"], []]);
  t.same(await replayed(reopened, second), [["c"], []]);
  const third = await reopened.append([text("d")]);
  t.equal(third, reopened.end - 17, "appends continue at the end");
  t.same(await replayed(reopened), [["a", "b"], ["c"], [], ["d"]]);
  await reopened.close();
  await t.rejects(reopened.append([text("x")]), /closed: open it again/);
});

t.test("concurrent appends share fsyncs and keep their call order; fsync every N ms also resolves each", async (t) => {
  for (const fsync of ["block", 5] as const) {
    const dir = await tempDir();
    const log = await openWriteAheadLog(dir, { fsync });
    const positions = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([text(String(i))])));
    t.same(positions, [...positions].sort((a, b) => a - b), `fsync ${fsync}: positions in call order`);
    await log.close();
    const reopened = await openWriteAheadLog(dir);
    t.same(await replayed(reopened), Array.from({ length: 50 }, (_, i) => [String(i)]));
    await reopened.close();
  }
});

t.test("segments roll by size, replay spans them, and deleteBefore removes whole old segments only", async (t) => {
  const dir = await tempDir();
  const log = await openWriteAheadLog(dir, { segmentBytes: 100 });
  const positions: number[] = [];
  for (let i = 0; i < 20; i++) positions.push(await log.append([text(`record-${i}`.padEnd(30, "."))]));
  const names = await segments(dir);
  t.ok(names.length >= 6, `${names.length} segments`);
  for (const name of names) t.ok((await stat(join(dir, name))).size <= 100, `${name} stays within segmentBytes`);
  await log.close();
  const reopened = await openWriteAheadLog(dir, { segmentBytes: 100 });
  t.equal((await replayed(reopened)).length, 20);
  const removed = await reopened.deleteBefore(positions[10]!);
  t.ok(removed > 0);
  const left = await replayed(reopened);
  t.ok(left.length < 20 && left.length >= 10, `${left.length} blocks left`);
  t.same(left.slice(-10), Array.from({ length: 10 }, (_, i) => [`record-${i + 10}`.padEnd(30, ".")]), "everything from the position stays");
  t.same(await replayed(reopened, positions[15]!), Array.from({ length: 5 }, (_, i) => [`record-${i + 15}`.padEnd(30, ".")]));
  await reopened.close();
});

t.test("a torn tail (the last block cut short) is skipped with a warning and cut off at reopen", async (t) => {
  for (const cut of [1, 5, 12]) {
    const dir = await tempDir();
    const log = await openWriteAheadLog(dir);
    await log.append([text("kept")]);
    await log.append([text("torn record")]);
    await log.close();
    const [name] = await segments(dir);
    const file = join(dir, name!);
    await truncate(file, (await stat(file)).size - cut);
    const { warnings, logger } = quiet();
    const reopened = await openWriteAheadLog(dir, { logger });
    t.same(await replayed(reopened), [["kept"]], `cut ${cut} bytes`);
    t.match(warnings[0], /a torn block at byte 20 .* never acknowledged; cut off/);
    await reopened.append([text("after")]);
    t.same(await replayed(reopened), [["kept"], ["after"]]);
    await reopened.close();
  }
});

t.test("zeros after the last block (a crash before the data reached the disk) count as a torn tail", async (t) => {
  const dir = await tempDir();
  const log = await openWriteAheadLog(dir);
  await log.append([text("kept")]);
  await log.close();
  const [name] = await segments(dir);
  const file = join(dir, name!);
  await writeFile(file, Buffer.concat([await readFile(file), Buffer.alloc(64)]));
  const reopened = await openWriteAheadLog(dir, quiet());
  t.same(await replayed(reopened), [["kept"]]);
  await reopened.close();
});

t.test("damage in the middle is a WalCorruptError naming file and offset; skip-segment skips it with a warning", async (t) => {
  const dir = await tempDir();
  const log = await openWriteAheadLog(dir, { segmentBytes: 60 });
  for (let i = 0; i < 6; i++) await log.append([text(`block-${i}`.padEnd(20, "."))]);
  await log.close();
  const names = await segments(dir);
  t.ok(names.length >= 3);
  const damaged = join(dir, names[0]!);
  const bytes = await readFile(damaged);
  bytes[12] = bytes[12]! ^ 0xff;
  await writeFile(damaged, bytes);
  const reopened = await openWriteAheadLog(dir);
  const error = await replayed(reopened).catch((e: unknown) => e);
  t.ok(error instanceof WalCorruptError);
  t.equal((error as WalCorruptError).file, damaged);
  t.equal((error as WalCorruptError).offset, 0);
  t.match((error as Error).message, /damaged at byte 0 \(its checksum does not match\) and later blocks follow it/);
  await reopened.close();
  const { warnings, logger } = quiet();
  const skipping = await openWriteAheadLog(dir, { onCorruptBlock: "skip-segment", logger });
  const left = await replayed(skipping);
  t.ok(left.length >= 3 && left.length < 6, `${left.length} of 6 blocks`);
  t.same(left.at(-1), ["block-5".padEnd(20, ".")]);
  t.match(warnings[0], /the rest of this segment is skipped and its records are lost/);
  await skipping.close();
});

t.test("damage in the middle of the newest segment refuses to open (acknowledged data follows it)", async (t) => {
  const dir = await tempDir();
  const log = await openWriteAheadLog(dir);
  for (let i = 0; i < 3; i++) await log.append([text(`block-${i}`)]);
  await log.close();
  const [name] = await segments(dir);
  const file = join(dir, name!);
  const bytes = await readFile(file);
  bytes[10] = bytes[10]! ^ 0xff;
  await writeFile(file, bytes);
  const error = await openWriteAheadLog(dir).catch((e: unknown) => e);
  t.ok(error instanceof WalCorruptError);
});
