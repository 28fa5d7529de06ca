/**
 * The receiver's buffer keeps what receivers store as arrays and packed line blocks (a
 * socket read's lines as one text, split when a batch reads them): every record arrives,
 * once, in order, whichever way it was stored, however a rate limit cuts the batches and
 * however many outputs read the stream.
 */
import t from "tap";
import fc from "fast-check";
import { count, foreachRDD, pipe, Seconds, window } from "../mod.ts";
import { LineBlock, LineSplitter } from "../lib/sources/line_splitter.ts";
import { RecordQueue, type TakenBlocks } from "../lib/sources/_receiver_stream.ts";
import type { TakenRecords } from "../lib/sources/_packed_partitions.ts";
import { testContext } from "./_contexts.ts";
import { listen, trackedServer, until } from "./_io.ts";

const recordsOf = <T>(taken: TakenRecords<T>): T[] =>
  "array" in taken ? taken.array : taken.pieces.flatMap((piece) => (Array.isArray(piece) ? piece : piece.records()));

/** A taken batch's records, block by block. */
const blocksOf = <T>(taken: TakenBlocks<T>): T[][] => taken.blocks.map(recordsOf);

const block = (lines: ReadonlyArray<string>): LineBlock => new LineBlock(lines.join("\n"), lines.length);

/** Records stored with their blocks, grouped as a batch should get them: runs of one block. */
const groupedByBlock = <T>(stored: ReadonlyArray<readonly [T, number]>): T[][] => {
  const groups: T[][] = [];
  for (let i = 0; i < stored.length; i++) {
    if (i === 0 || stored[i]![1] !== stored[i - 1]![1]) groups.push([]);
    groups.at(-1)!.push(stored[i]![0]);
  }
  return groups;
};

t.test("the queue hands out records in the order they were stored, one partition per block, however batches cut them", async (t) => {
  type Step =
    | { kind: "one"; value: string }
    | { kind: "all"; values: string[] }
    | { kind: "packed"; values: string[] }
    | { kind: "take"; n: number }
    | { kind: "next block" };
  const word = fc.string({ minLength: 0, maxLength: 3 }).filter((s) => !s.includes("\n"));
  const step: fc.Arbitrary<Step> = fc.oneof(
    word.map((value) => ({ kind: "one", value }) as const),
    fc.array(word, { maxLength: 5 }).map((values) => ({ kind: "all", values }) as const),
    fc.array(word, { minLength: 1, maxLength: 5 }).map((values) => ({ kind: "packed", values }) as const),
    fc.nat(12).map((n) => ({ kind: "take", n }) as const),
    fc.constant({ kind: "next block" } as const),
  );
  fc.assert(fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
    const queue = new RecordQueue<string>();
    const model: Array<readonly [string, number]> = [];
    let current = 0;
    for (const s of steps) {
      if (s.kind === "one") {
        queue.pushOne(s.value, current);
        model.push([s.value, current]);
      } else if (s.kind === "all") {
        queue.pushAll(s.values, current);
        model.push(...s.values.map((v) => [v, current] as const));
      } else if (s.kind === "packed") {
        queue.pushPacked(block(s.values), current);
        model.push(...s.values.map((v) => [v, current] as const));
      } else if (s.kind === "next block") {
        current++;
      } else {
        const expected = model.splice(0, s.n);
        const taken = queue.take(s.n);
        t.same(blocksOf(taken), groupedByBlock(expected));
        t.equal(taken.count, expected.length);
      }
      t.equal(queue.length, model.length);
    }
    t.same(blocksOf(queue.take(Infinity)), groupedByBlock(model));
    t.equal(queue.length, 0);
  }), { numRuns: 200 });
});

t.test("the queue keeps a copy of a stored array: the receiver may reuse its own", async (t) => {
  const queue = new RecordQueue<number>();
  const mine = [1, 2, 3];
  queue.pushAll(mine);
  mine[0] = 99;
  mine.length = 1;
  t.same(blocksOf(queue.take(10)), [[1, 2, 3]]);
});

t.test("a line block's lines are the lines push gives, for any text cut into any reads", async (t) => {
  const piece = fc.constantFrom("a", "bc", "€", "🎉", " ", "\n", "\r\n", "\r", "\n\n");
  fc.assert(fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(8), { maxLength: 12 }), (pieces, cuts) => {
    const bytes = new TextEncoder().encode(pieces.join(""));
    const reads: Uint8Array[] = [];
    let at = 0;
    for (const cut of cuts) {
      reads.push(bytes.subarray(at, Math.min(bytes.length, at + cut)));
      at = Math.min(bytes.length, at + cut);
    }
    reads.push(bytes.subarray(at));
    const plain = new LineSplitter(() => {});
    const blocks = new LineSplitter(() => {});
    for (const read of reads) {
      const expected = plain.push(read);
      const { block, lines } = blocks.pushBlock(read);
      if (block !== undefined) {
        t.notOk(block.text.includes("\r"), "a block's text has no \\r");
        t.equal(block.count, block.records().length);
      }
      t.same([...(block?.records() ?? []), ...lines], expected);
    }
    t.same(blocks.end(), plain.end());
  }), { numRuns: 300 });
});

/** A server that sends `text` to its first client and closes; later clients (reconnects) get nothing. */
const serve = async (text: string) => {
  let served = false;
  const { server, kill } = trackedServer((socket) => {
    if (!served) socket.end(text);
    served = true;
  });
  return { port: await listen(server), kill };
};

t.test("a socket stream read by two outputs and a window gives each every line, in order, under a rate limit", async (t) => {
  const lines = Array.from({ length: 2500 }, (_, i) => `line ${i} ${"x".repeat(i % 7)}`);
  const { port, kill } = await serve(`${lines.join("\n")}\n`);
  const { ssc, clock } = testContext();
  const input = ssc.socketTextStream("127.0.0.1", port, { maxRate: 1000, backpressure: false });
  const seen: string[][] = [];
  const counts: number[] = [];
  const windows: string[][] = [];
  pipe(input, foreachRDD((rdd) => void seen.push(rdd.collect())));
  pipe(input, count(), foreachRDD((rdd) => void counts.push(rdd.collect()[0]!)));
  pipe(input, window(Seconds(2)), foreachRDD((rdd) => void windows.push(rdd.collect())));
  ssc.start();
  await until(() => input.receivedRecords === lines.length, "every line");
  for (let i = 0; i < 4; i++) await clock.advance(Seconds(1));
  await ssc.stop();
  await kill();
  t.same(seen.map((b) => b.length), [1000, 1000, 500, 0], "the rate limit cuts inside a read's lines");
  t.same(seen.flat(), lines);
  t.same(counts, [1000, 1000, 500, 0]);
  t.same(windows[1], lines.slice(0, 2000), "a window reads the earlier batch again, unchanged");
  t.same(windows[2], lines.slice(1000), "and the next one");
});

t.test("lines ending in \\r\\n or \\r and lines ending in \\n, from one socket, arrive in order", async (t) => {
  const text = "one\r\ntwo\nthree\rfour\n" + Array.from({ length: 50 }, (_, i) => `n${i}`).join("\n") + "\nlast";
  const { port, kill } = await serve(text);
  const { ssc, clock } = testContext();
  const input = ssc.socketTextStream("127.0.0.1", port);
  const seen: string[] = [];
  pipe(input, foreachRDD((rdd) => void seen.push(...rdd.collect())));
  ssc.start();
  await until(() => input.receivedRecords === 55, "every line, the last one without a terminator too");
  await clock.advance(Seconds(1));
  await ssc.stop();
  await kill();
  t.same(seen, ["one", "two", "three", "four", ...Array.from({ length: 50 }, (_, i) => `n${i}`), "last"]);
});
