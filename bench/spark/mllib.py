"""PySpark's MLlib on the ML workloads' input, for `npm run bench:mllib`.

    python mllib.py <input dir> <master>

Reads kmeans.json and regression.json (written by bench/mllib.ts), then runs each
batch through the call PySpark's streaming classes make per batch
(StreamingKMeansModel.update; LinearRegressionWithSGD.train from the previous weights),
twice: the first round warms the JVM up, the second is timed per batch (parallelize +
update/train + reading the model back). Prints one JSON line: per-batch times and the
final models, so the caller can check them against dstreams'.
"""
import json
import os
import sys
import time
import warnings

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

import pyspark  # noqa: E402
from pyspark import SparkConf, SparkContext  # noqa: E402
from pyspark.mllib.clustering import StreamingKMeansModel  # noqa: E402
from pyspark.mllib.linalg import Vectors  # noqa: E402
from pyspark.mllib.regression import LabeledPoint, LinearRegressionWithSGD  # noqa: E402

input_dir, master = sys.argv[1], sys.argv[2]
conf = SparkConf().setMaster(master).setAppName("bench-mllib").set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
sc = SparkContext(conf=conf)
sc.setLogLevel("ERROR")
parallelism = sc.defaultParallelism

with open(os.path.join(input_dir, "kmeans.json")) as f:
    km = json.load(f)
with open(os.path.join(input_dir, "regression.json")) as f:
    reg = json.load(f)

km_batches = [[Vectors.dense(p) for p in b] for b in km["batches"]]
reg_batches = [[LabeledPoint(p["label"], Vectors.dense(p["features"])) for p in b] for b in reg["batches"]]


def run_kmeans():
    model = StreamingKMeansModel([Vectors.dense(c) for c in km["centers"]], [0.0] * len(km["centers"]))
    times = []
    for batch in km_batches:
        t0 = time.perf_counter()
        model = model.update(sc.parallelize(batch, parallelism), 1.0, "batches")
        times.append((time.perf_counter() - t0) * 1000)
    return times, [list(map(float, c)) for c in model.centers]


def run_regression():
    sgd = reg["sgd"]
    weights = [0.0] * reg["dim"]
    times = []
    for batch in reg_batches:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = LinearRegressionWithSGD.train(
                sc.parallelize(batch, parallelism), iterations=sgd["numIterations"], step=sgd["stepSize"],
                miniBatchFraction=sgd["miniBatchFraction"], initialWeights=Vectors.dense(weights),
                intercept=False, convergenceTol=sgd["convergenceTol"])
        weights = list(map(float, model.weights))
        times.append((time.perf_counter() - t0) * 1000)
    return times, weights


run_kmeans()
run_regression()
km_times, km_centers = run_kmeans()
reg_times, reg_weights = run_regression()
print(json.dumps({"pyspark": pyspark.__version__, "master": master, "kmeans": {"batchMs": km_times, "centers": km_centers},
                  "regression": {"batchMs": reg_times, "weights": reg_weights}}))
sc.stop()
