import t from "tap";
import { Milliseconds, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import type { Duration } from "../mod.ts";
import { testContext } from "./_contexts.ts";

t.test("a non-positive or non-integer batch interval is refused at the call, naming the argument", async (t) => {
  const sc = new SparkContext({ logLevel: "OFF" });
  t.throws(() => new StreamingContext(sc, Seconds(0)), /batchDuration must be positive, got 0 ms/);
  t.throws(() => new StreamingContext(sc, Milliseconds(-5)), /batchDuration must be positive/);
  t.throws(() => Milliseconds(0.5), /whole number of milliseconds/);
  t.throws(() => new StreamingContext(sc, 10 as unknown as Duration), /batchDuration must be a Duration such as Seconds\(1\).*write Seconds\(10\)/);
  t.throws(() => new StreamingContext({} as SparkContext, Seconds(1)), /sparkContext must be a SparkContext/);
});

t.test("socketTextStream refuses a port out of range, naming the argument", async (t) => {
  const { ssc } = testContext();
  for (const port of [0, -1, 65536, 80.5, Number.NaN]) {
    t.throws(() => ssc.socketTextStream("localhost", port), /socketTextStream's port must be a whole number from 1 to 65535/, `port ${port}`);
  }
  t.throws(() => ssc.socketTextStream("localhost", "9999" as unknown as number), /port must be a whole number/);
  t.throws(() => ssc.socketTextStream("localhost", 9999, { maxLineBytes: 2 }), /maxLineBytes must be a whole number of bytes, at least 4, got 2/);
});

t.test("socketTextStream refuses a host that is not a host name or address, naming the argument", async (t) => {
  const { ssc } = testContext();
  t.throws(() => ssc.socketTextStream("", 9999), /socketTextStream's hostname must be a non-empty string/);
  t.throws(() => ssc.socketTextStream("local host", 9999), /hostname "local host" is not a host name or IP address/);
  t.throws(() => ssc.socketTextStream("http://localhost", 9999), /is not a host name or IP address/);
  t.ok(ssc.socketTextStream("127.0.0.1", 9999));
  t.ok(ssc.socketTextStream("::1", 9999));
  t.ok(ssc.socketTextStream("my-host.example", 9999));
});

t.test("queueStream refuses what is not an array of batches, naming the argument", async (t) => {
  const { ssc } = testContext();
  t.throws(() => ssc.queueStream("abc" as unknown as string[][]), /queueStream's batches must be an array of batches/);
  t.throws(() => ssc.queueStream([1, 2] as unknown as number[][]), /queueStream's batches\[0\] must be a batch \(an array of records or an RDD\), got number/);
  t.throws(() => ssc.queueStream([[1]], { defaultBatch: 3 as unknown as number[] }), /queueStream's defaultBatch must be a batch/);
  t.throws(() => ssc.queueStream([[1]], { oneAtATime: "yes" as unknown as boolean }), /oneAtATime must be true or false/);
});
