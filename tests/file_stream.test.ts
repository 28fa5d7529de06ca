/**
 * File streams on real directories, with Spark's selection rules. Batches are driven
 * by a manual clock and files get modification times on that clock (as Spark's
 * FileInputStreamSuite does), so every test is exact and needs no sleep.
 */
import t from "tap";
import { chmodSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fixedLengthRecords, foreachRDD, pipe, Seconds, textLines } from "../mod.ts";
import type { BatchInfo, DStream, ReceiverInfo } from "../mod.ts";
import { testContext } from "./_contexts.ts";
import { dropFile, setModTime, tempDir } from "./_io.ts";

/** A clock start well after the epoch, so "old" files can have times before it. */
const START = 100_000;

const setup = (t: { teardown(fn: () => void): void }) => {
  const watched = tempDir("dstreams-watched-");
  const staging = tempDir("dstreams-staging-");
  t.teardown(() => {
    watched.cleanup();
    staging.cleanup();
  });
  const ctx = testContext(Seconds(1), START);
  const reports: ReceiverInfo[] = [];
  const infos: BatchInfo[] = [];
  ctx.ssc.addStreamingListener({
    onReceiverError: ({ receiverInfo }) => void reports.push(receiverInfo),
    onBatchCompleted: ({ batchInfo }) => void infos.push(batchInfo),
  });
  const drop = (name: string, content: string | Uint8Array, modTime = ctx.clock.now()) => dropFile(staging.dir, watched.dir, name, content, modTime);
  return { ...ctx, dir: watched.dir, staging: staging.dir, drop, reports, infos };
};

const collect = <A>(stream: DStream<A>) => {
  const batches: A[][] = [];
  pipe(stream, foreachRDD((rdd) => void batches.push(rdd.collect())));
  return batches;
};

t.test("textFileStream reads each new file once, in the batch in which it appears", async (t) => {
  const { ssc, clock, dir, drop, infos } = setup(t);
  const stream = ssc.textFileStream(dir);
  const batches = collect(stream);
  ssc.start();
  drop("a.txt", "hello world\nsecond line\n", START + 500);
  await clock.advance(Seconds(1));
  drop("b.txt", "bee\r\nlast line without newline", START + 1500);
  await clock.advance(Seconds(1));
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches, [["hello world", "second line"], ["bee", "last line without newline"], []]);
  t.same(infos.map((i) => i.streamIdToNumRecords.get(stream.id)), [2, 2, 0], "record counts reach listeners");
});

t.test("files present before the stream was created are skipped, unless newFilesOnly is false", async (t) => {
  const { ssc, clock, dir, drop } = setup(t);
  drop("old.txt", "old\n", START - 5_000);
  const onlyNew = collect(ssc.textFileStream(dir));
  const everything = collect(ssc.fileStream(dir, { newFilesOnly: false }));
  ssc.start();
  drop("new.txt", "new\n", START + 200);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(onlyNew, [["new"]]);
  t.same(everything, [["new", "old"]], "newFilesOnly: false reads the old file too (files in name order)");
});

t.test("a file's modification time picks its batch: after the threshold, at or before the batch time", async (t) => {
  const { ssc, clock, dir, drop } = setup(t);
  const batches = collect(ssc.textFileStream(dir));
  ssc.start();
  await clock.advance(500); // mid-batch
  drop("mid.txt", "dropped mid-batch\n");
  drop("at.txt", "exactly at the batch time\n", START + 1000);
  drop("future.txt", "after the batch time\n", START + 1001);
  await clock.advance(500);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches, [["exactly at the batch time", "dropped mid-batch"], ["after the batch time"]]);
});

t.test("a file written elsewhere and renamed in is read whole; hidden and temporary names are ignored", async (t) => {
  const { ssc, clock, dir, staging, drop } = setup(t);
  const batches = collect(ssc.textFileStream(dir));
  ssc.start();
  // Written in place under temporary names: never read, even though their times qualify.
  const partial = join(dir, "_copying.txt");
  writeFileSync(partial, "half of a fi");
  setModTime(partial, START + 100);
  writeFileSync(join(dir, ".hidden"), "secret\n");
  setModTime(join(dir, ".hidden"), START + 100);
  await clock.advance(Seconds(1));
  // The writer finishes and renames: the whole file appears at once.
  writeFileSync(partial, "half of a file, then the rest\n");
  setModTime(partial, START + 1500);
  renameSync(partial, join(dir, "complete.txt"));
  // The same from a staging directory outside the watched one.
  const staged = join(staging, "staged.txt");
  writeFileSync(staged, "moved in\n");
  setModTime(staged, START + 1600);
  renameSync(staged, join(dir, "staged.txt"));
  drop("_SUCCESS", "", START + 1700);
  await clock.advance(Seconds(1));
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches, [[], ["half of a file, then the rest", "moved in"], []]);
});

t.test("filter chooses among the new files; a file appended to after it was read is not read again", async (t) => {
  const { ssc, clock, dir, drop } = setup(t);
  const batches = collect(ssc.fileStream(dir, { filter: (path) => path.endsWith(".log") }));
  ssc.start();
  const log = drop("app.log", "one\n", START + 100);
  drop("notes.txt", "ignored\n", START + 100);
  await clock.advance(Seconds(1));
  writeFileSync(log, "one\ntwo\n");
  setModTime(log, START + 1500);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches, [["one"], []]);
});

t.test("files older than the remember window when they appear are never read", async (t) => {
  const { ssc, clock, dir, drop } = setup(t);
  const batches = collect(ssc.fileStream(dir, { minRememberDuration: Seconds(2), newFilesOnly: false }));
  ssc.start();
  await clock.advance(Seconds(5));
  drop("stale.txt", "too old\n", START + 2000); // threshold at 106000 is 104000
  drop("fresh.txt", "fresh\n", START + 5500);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches.at(-1), ["fresh"]);
});

t.test("an empty file is reported (Spark's message) and skipped, once", async (t) => {
  const { ssc, clock, dir, drop, reports } = setup(t);
  const stream = ssc.textFileStream(dir);
  const batches = collect(stream);
  ssc.start();
  const empty = drop("empty.txt", "", START + 100);
  await clock.advance(Seconds(3));
  await ssc.stop();
  t.same(batches, [[], [], []]);
  t.equal(reports.length, 1, "reported once, not every batch");
  t.equal(reports[0]!.lastErrorMessage.startsWith(`File ${empty} has no data in it. Spark Streaming can only ingest files that have been "moved"`), true);
  t.equal(reports[0]!.name, stream.name);
});

t.test("a 5 MB line is read whole", async (t) => {
  const { ssc, clock, dir, drop } = setup(t);
  const batches = collect(ssc.textFileStream(dir));
  ssc.start();
  const huge = "y".repeat(5 * 1024 * 1024);
  drop("huge.txt", `${huge}\nafter\n`, START + 100);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.equal(batches[0]!.length, 2);
  t.ok(batches[0]![0] === huge, "the long line, intact");
  t.equal(batches[0]![1], "after");
});

t.test("invalid UTF-8 in a file is reported and replaced; a byte-order mark is dropped", async (t) => {
  const { ssc, clock, dir, drop, reports } = setup(t);
  const batches = collect(ssc.textFileStream(dir));
  ssc.start();
  drop("bom.txt", "\uFEFFfirst\n", START + 100);
  drop("bad.txt", Buffer.from([0x6f, 0x6b, 0xff, 0x0a]), START + 100);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches, [["ok\uFFFD", "first"]]);
  t.match(reports[0]!.lastErrorMessage, /bad\.txt holds 3 bytes of lines that are not valid UTF-8/);
});

t.test("each text file is one partition holding exactly the lines textLines.read gives it", async (t) => {
  const { ssc, clock, dir, drop } = setup(t);
  const partitions: Array<ReadonlyArray<ReadonlyArray<string>>> = [];
  pipe(ssc.textFileStream(dir), foreachRDD((rdd) => void partitions.push(rdd.collectPartitions())));
  ssc.start();
  const files: Array<readonly [string, string | Uint8Array]> = [
    ["a-lf.txt", "one\n\ntwo \n  three\n"],
    ["b-crlf.txt", "one\r\ntwo\r\n\r\nthree"],
    ["c-cr.txt", "50%\r100%\ndone\r"],
    ["d-bom-lf.txt", "\uFEFFfirst\nsecond\n"],
    ["e-bom-alone.txt", "\uFEFF"],
    ["f-utf8.txt", "café ünïcödé\n日本語 テキスト\n🙂 end"],
    ["g-invalid.txt", Buffer.from([0x61, 0x0a, 0xc3, 0x28, 0x0a, 0x62])],
    ["h-newlines.txt", "\n\n\n"],
    ["i-no-newline.txt", "just one line"],
  ];
  for (const [name, content] of files) drop(name, content, START + 500);
  await clock.advance(Seconds(1));
  await ssc.stop();
  const expected = files.map(([name, content]) => textLines.read(typeof content === "string" ? Buffer.from(content) : content, name, () => {}));
  t.strictSame(partitions, [expected], "one partition per file, in name order, line for line");
  t.strictSame(expected[1], ["one", "two", "", "three"], "(the reference splits \\r\\n as one terminator)");
});

t.test("a file that disappears before it is read is reported and skipped, not retried", async (t) => {
  const { ssc, clock, dir, drop, reports } = setup(t);
  // The filter runs while the directory is listed: deleting there makes the file vanish in between.
  const batches = collect(ssc.fileStream(dir, {
    filter: (path) => {
      if (path.endsWith("doomed.txt")) unlinkSync(path);
      return true;
    },
  }));
  ssc.start();
  const doomed = drop("doomed.txt", "never read\n", START + 100);
  drop("kept.txt", "kept\n", START + 100);
  await clock.advance(Seconds(2));
  await ssc.stop();
  t.same(batches, [["kept"], []]);
  t.equal(reports.length, 1);
  t.equal(reports[0]!.lastErrorMessage, `File ${doomed} disappeared before it was read; skipped`);
});

t.test("an unreadable file is reported and skipped, not retried", { skip: process.getuid?.() === 0 ? "root reads every file" : false }, async (t) => {
  const { ssc, clock, dir, drop, reports } = setup(t);
  const batches = collect(ssc.textFileStream(dir));
  ssc.start();
  const locked = drop("locked.txt", "secret\n", START + 100);
  chmodSync(locked, 0o000);
  t.teardown(() => chmodSync(locked, 0o600));
  await clock.advance(Seconds(2));
  await ssc.stop();
  t.same(batches, [[], []]);
  t.equal(reports.length, 1);
  t.match(reports[0]!.lastErrorMessage, /locked\.txt could not be read \(EACCES\); skipped/);
});

t.test("a broken link is reported once while it stays, and never read", async (t) => {
  const { ssc, clock, dir, drop, reports } = setup(t);
  const batches = collect(ssc.textFileStream(dir));
  ssc.start();
  const link = join(dir, "link.txt");
  symlinkSync(join(dir, "missing-target"), link);
  drop("real.txt", "real\n", START + 100);
  await clock.advance(Seconds(3));
  await ssc.stop();
  t.same(batches, [["real"], [], []]);
  t.equal(reports.length, 1, "reported once, not every batch");
  t.match(reports[0]!.lastErrorMessage, /link\.txt disappeared before it was read; skipped/);
});

t.test("a directory that does not exist, or is not a directory, is a clear error at the call", async (t) => {
  const { ssc, dir } = setup(t);
  const missing = join(dir, "nope");
  t.throws(() => ssc.textFileStream(missing), new RegExp(`textFileStream's directory "${missing}" does not exist: create it first`));
  writeFileSync(join(dir, "file"), "x");
  t.throws(() => ssc.fileStream(join(dir, "file")), /fileStream's directory ".*file" is not a directory/);
  t.throws(() => ssc.binaryRecordsStream(missing, 4), /binaryRecordsStream's directory .* does not exist/);
  t.throws(() => ssc.textFileStream(""), /textFileStream's directory must be a non-empty path/);
  t.throws(() => ssc.fileStream(dir, { filter: "*.txt" as unknown as (path: string) => boolean }), /fileStream's filter must be a function/);
  await ssc.stop();
});

t.test("a directory that cannot be listed is a clear error at the call", { skip: process.getuid?.() === 0 ? "root lists every directory" : false }, async (t) => {
  const { ssc, dir } = setup(t);
  const closed = join(dir, "closed");
  mkdirSync(closed);
  chmodSync(closed, 0o000);
  t.teardown(() => chmodSync(closed, 0o700));
  t.throws(() => ssc.textFileStream(closed), /textFileStream's directory ".*closed" cannot be listed \(EACCES\): give the user running the job read and execute permission/);
  await ssc.stop();
});

t.test("a directory that disappears is reported once; its batches are empty until it is back", async (t) => {
  const { ssc, clock, dir, drop, reports, log } = setup(t);
  const batches = collect(ssc.textFileStream(dir));
  ssc.start();
  drop("one.txt", "one\n", START + 100);
  await clock.advance(Seconds(1));
  rmSync(dir, { recursive: true });
  await clock.advance(Seconds(2));
  mkdirSync(dir);
  drop("two.txt", "two\n", clock.now());
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches, [["one"], [], [], ["two"]]);
  t.equal(reports.length, 1);
  t.match(reports[0]!.lastErrorMessage, /^Directory .* no longer exists: its batches are empty until it is back$/);
  t.ok(log.some((line) => /directory .* is back/.test(line)));
});

t.test("binaryRecordsStream: fixed-length records; a size that is not a multiple is reported, whole records kept", async (t) => {
  const { ssc, clock, dir, drop, reports } = setup(t);
  const batches = collect(ssc.binaryRecordsStream(dir, 4));
  ssc.start();
  drop("a.bin", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), START + 100);
  drop("b.bin", new Uint8Array([9, 9, 9, 9, 10, 10]), START + 100);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches[0]!.map((r) => [...r]), [[1, 2, 3, 4], [5, 6, 7, 8], [9, 9, 9, 9]]);
  t.ok(batches[0]!.every((r) => r instanceof Uint8Array && r.length === 4));
  t.equal(reports.length, 1);
  t.match(reports[0]!.lastErrorMessage, /b\.bin has 6 bytes, not a multiple of the record length 4: its last 2 bytes \(an incomplete record\) were not read/);
});

t.test("a record length of zero or a fraction is a clear error at the call", async (t) => {
  const { ssc, dir } = setup(t);
  t.throws(() => ssc.binaryRecordsStream(dir, 0), /binaryRecordsStream's recordLength must be a positive whole number of bytes, got 0/);
  t.throws(() => ssc.binaryRecordsStream(dir, 1.5), /recordLength must be a positive whole number of bytes, got 1.5/);
  t.throws(() => ssc.binaryRecordsStream(dir, "4" as unknown as number), /got "4"/);
  t.throws(() => fixedLengthRecords(-1), /fixedLengthRecords's recordLength must be a positive whole number/);
  await ssc.stop();
});

t.test("fileStream takes a format: the same rules, records of any kind", async (t) => {
  const { ssc, clock, dir, drop } = setup(t);
  const batches = collect(ssc.fileStream(dir, { format: fixedLengthRecords(2) }));
  ssc.start();
  drop("pairs.bin", new Uint8Array([1, 2, 3, 4]), START + 100);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches[0]!.map((r) => [...r]), [[1, 2], [3, 4]]);
});

t.test("a graceful stop reads the files that appeared before it; a plain stop does not wait", async (t) => {
  for (const graceful of [true, false]) {
    const { ssc, clock, dir, drop } = setup(t);
    const batches = collect(ssc.textFileStream(dir));
    ssc.start();
    await clock.advance(Seconds(1));
    await clock.advance(300);
    drop("late.txt", "just in time\n");
    let stopped = false;
    const stopping = ssc.stop({ stopGracefully: graceful }).then(() => void (stopped = true));
    for (let i = 0; i < 5 && !stopped; i++) await clock.advance(Seconds(1));
    await stopping;
    t.same(batches.flat(), graceful ? ["just in time"] : [], graceful ? "graceful" : "not graceful");
  }
});
