"""Workload 1 (word count) on PySpark's DStreams, for `npm run bench:spark`.

Usage: python wordcount.py <input dir> <master> <rounds>

Reads every batch file of <input dir> (one file per batch, one line per record) into
an RDD, caches and materialises it (so reading the disk is not part of the timing, as
dstreams' batches are in memory too), then queues the batches <rounds> times (the first
round warms up the JVM and the Python workers) through
flatMap -> map -> reduceByKey, collecting each batch's counts on the driver in
foreachRDD. A StreamingListener records each batch's processing delay (the time Spark
spent on it, not the time waiting for its batch interval). Prints one JSON line.
"""
import json
import os
import sys
import time

from pyspark import SparkConf, SparkContext
from pyspark.streaming import StreamingContext
from pyspark.streaming.listener import StreamingListener


class Delays(StreamingListener):
    def __init__(self):
        super().__init__()
        self.by_time = {}

    def onBatchCompleted(self, batchCompleted):
        info = batchCompleted.batchInfo()
        self.by_time[info.batchTime().milliseconds()] = info.processingDelay()


def main():
    input_dir, master, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = sorted(f for f in os.listdir(input_dir) if f.endswith(".txt"))
    conf = SparkConf().setAppName("dstreams-bench-wordcount").setMaster(master)
    conf = conf.set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
    # Loopback only: the driver and executors talk over 127.0.0.1.
    conf = conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    rdds = []
    for f in files:
        rdd = sc.textFile(os.path.join(input_dir, f)).cache()
        rdd.count()
        rdds.append(rdd)
    ssc = StreamingContext(sc, 1)
    delays = Delays()
    ssc.addStreamingListener(delays)
    outputs = []

    def collect(t, rdd):
        pairs = rdd.collect()
        outputs.append((int(t.timestamp() * 1000), len(pairs), sum(n for _, n in pairs)))

    (
        ssc.queueStream(rdds * rounds)
        .flatMap(lambda line: line.split(" "))
        .map(lambda word: (word, 1))
        .reduceByKey(lambda a, b: a + b)
        .foreachRDD(collect)
    )
    started = time.time()
    ssc.start()
    total = len(rdds) * rounds
    while len(delays.by_time) < total or len(outputs) < total:
        time.sleep(0.1)
        if time.time() - started > 60 + 30 * total:
            raise SystemExit(f"Spark did not finish {total} batches in time ({len(delays.by_time)} done)")
    wall = time.time() - started
    ssc.stop(stopSparkContext=True, stopGraceFully=False)
    outputs.sort()
    times = sorted(delays.by_time)
    print(json.dumps({
        "pyspark": __import__("pyspark").__version__,
        "master": master,
        "batchFiles": len(files),
        "rounds": rounds,
        "wallSeconds": wall,
        "batches": [
            {"distinct": o[1], "words": o[2], "processingMs": delays.by_time[t]}
            for o, t in zip(outputs, times)
        ],
    }))


if __name__ == "__main__":
    main()
