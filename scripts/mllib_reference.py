"""Reference outputs of PySpark's MLlib for the tests of dstreams/ml.

Generates streams deterministically (numpy, fixed seeds), runs them batch by batch
through MLlib 3.5 in local mode, and writes one JSON file per scenario to
tests/fixtures/mllib/: the input batches themselves (so the TypeScript tests read the
very same numbers), the parameters, and after every batch the model (centers and
weights, or regression weights) and the predictions of that model for the batch's
points.

Each batch goes through the call PySpark's streaming classes make per batch:
- StreamingKMeans.trainOn -> StreamingKMeansModel.update(rdd, decayFactor, timeUnit)
- StreamingLinearRegressionWithSGD.trainOn ->
    LinearRegressionWithSGD.train(rdd, numIterations, stepSize, miniBatchFraction,
    previous weights, ...) on non-empty batches only
- StreamingLogisticRegressionWithSGD.trainOn -> LogisticRegressionWithSGD.train(...)
called directly on each batch's RDD, so no batch timing is involved.

Regenerate (needs Java 17; creates bench/.venv with pyspark 3.5 like npm run bench:spark):
    python3 -m venv bench/.venv && bench/.venv/bin/pip install "pyspark==3.5.*" numpy
    SPARK_LOCAL_IP=127.0.0.1 bench/.venv/bin/python scripts/mllib_reference.py
"""
import json
import os
import sys
import warnings

import numpy as np
import pyspark
from pyspark import SparkConf, SparkContext
from pyspark.mllib.clustering import StreamingKMeansModel
from pyspark.mllib.linalg import SparseVector, Vectors
from pyspark.mllib.regression import LabeledPoint, LinearRegressionWithSGD
from pyspark.mllib.classification import LogisticRegressionWithSGD

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "mllib")
PARTITIONS = 2


def floats(xs):
    return [float(x) for x in xs]


def gaussian_clusters(rng, means, sizes, spread):
    """One batch: sizes[b] points around the means, shuffled."""
    batches = []
    for size in sizes:
        labels = rng.integers(0, len(means), size)
        points = [floats(np.asarray(means[l]) + spread * rng.standard_normal(len(means[l]))) for l in labels]
        batches.append(points)
    return batches


def kmeans_scenario(sc, name, k, centers, weights, decay, time_unit, batches, half_life=None):
    model = StreamingKMeansModel([Vectors.dense(c) for c in centers], list(weights))
    steps = []
    for batch in batches:
        rdd = sc.parallelize([Vectors.dense(p) for p in batch], PARTITIONS)
        model = model.update(rdd, decay, time_unit)
        steps.append({
            "centers": [floats(c) for c in model.centers],
            "weights": floats(model.clusterWeights),
            "predictions": [int(model.predict(Vectors.dense(p))) for p in batch],
        })
    params = {"k": k, "decayFactor": decay, "timeUnit": time_unit}
    if half_life is not None:
        params["halfLife"] = half_life
    return {"name": name, "params": params, "initialCenters": centers, "initialWeights": list(weights), "batches": batches, "steps": steps}


def to_spark_features(f):
    if isinstance(f, dict):
        return SparseVector(f["size"], f["indices"], f["values"])
    return Vectors.dense(f)


def linear_scenario(sc, name, kind, params, initial, batches):
    weights = list(initial)
    steps = []
    for batch in batches:
        points = [LabeledPoint(p["label"], to_spark_features(p["features"])) for p in batch]
        if len(points) > 0:  # the streaming classes skip empty batches
            rdd = sc.parallelize(points, PARTITIONS)
            reg_type = None if params["regType"] == "none" else params["regType"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                train = LinearRegressionWithSGD.train if kind == "linear" else LogisticRegressionWithSGD.train
                model = train(
                    rdd,
                    iterations=params["numIterations"],
                    step=params["stepSize"],
                    miniBatchFraction=params["miniBatchFraction"],
                    initialWeights=Vectors.dense(weights),
                    regParam=params["regParam"],
                    regType=reg_type,
                    intercept=False,
                    convergenceTol=params["convergenceTol"],
                )
            weights = floats(model.weights)
            current = model
        steps.append({
            "weights": list(weights),
            "predictions": [float(current.predict(to_spark_features(p["features"]))) for p in batch] if len(batch) > 0 else [],
        })
    return {"name": name, "kind": kind, "params": params, "initialWeights": list(initial), "batches": batches, "steps": steps}


def regression_batches(rng, true_w, sizes, noise, sparse=False, logistic=False):
    d = len(true_w)
    batches = []
    for size in sizes:
        batch = []
        for _ in range(size):
            if sparse:
                idx = sorted(rng.choice(d, size=3, replace=False).tolist())
                vals = floats(rng.standard_normal(3))
                x = np.zeros(d)
                x[idx] = vals
                features = {"size": d, "indices": [int(i) for i in idx], "values": vals}
            else:
                x = rng.standard_normal(d)
                features = floats(x)
            margin = float(np.dot(true_w, x))
            if logistic:
                label = 1.0 if rng.random() < 1.0 / (1.0 + np.exp(-margin)) else 0.0
            else:
                label = margin + noise * float(rng.standard_normal())
            batch.append({"label": label, "features": features})
        batches.append(batch)
    return batches


def main():
    # The workers run this interpreter too (they need its numpy).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    conf = SparkConf().setMaster("local[2]").setAppName("mllib-reference").set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(15)
    scenarios = []

    means = [[0.0, 0.0], [6.0, 6.0], [-6.0, 6.0]]
    batches = gaussian_clusters(rng, means, [60, 60, 60, 0, 60, 60, 60, 60], 1.0)
    scenarios.append(kmeans_scenario(sc, "kmeans_batches", 3, [[1.0, 1.0], [4.0, 4.0], [-2.0, 3.0]], [0.0, 0.0, 0.0], 0.8, "batches", batches))

    batches = gaussian_clusters(rng, means, [40, 80, 0, 40, 120, 40], 1.5)
    half_life = 50.0
    scenarios.append(kmeans_scenario(sc, "kmeans_points", 3, [[0.5, -0.5], [5.0, 5.0], [-5.0, 5.0]], [10.0, 10.0, 10.0],
                                     float(np.exp(np.log(0.5) / half_life)), "points", batches, half_life))

    # decayFactor 0: a center far from every point keeps weight 0 and dies; the largest splits.
    means5 = [[float(x) for x in rng.standard_normal(5) * 4] for _ in range(4)]
    batches = gaussian_clusters(rng, means5, [50, 50, 50, 50, 50], 0.7)
    scenarios.append(kmeans_scenario(sc, "kmeans_dying", 4, [means5[0], means5[1], means5[2], [100.0] * 5], [1.0, 1.0, 1.0, 1.0], 0.0, "batches", batches))

    true_w = [1.5, -2.0, 0.5, 3.0, -1.0]
    base = {"stepSize": 0.1, "numIterations": 25, "miniBatchFraction": 1.0, "convergenceTol": 0.001}
    scenarios.append(linear_scenario(sc, "linear", "linear", {**base, "regParam": 0.1, "regType": "none"}, [0.0] * 5,
                                     regression_batches(rng, true_w, [100, 100, 0, 100, 100, 100, 100], 0.1)))

    true_w10 = [float(x) for x in rng.standard_normal(10) * 2]
    scenarios.append(linear_scenario(sc, "linear_l2_sparse", "linear", {**base, "stepSize": 0.5, "regParam": 0.05, "regType": "l2"}, [0.0] * 10,
                                     regression_batches(rng, true_w10, [80, 80, 80, 80, 80], 0.05, sparse=True)))

    true_wl = [2.0, -1.0, 0.5, -3.0]
    scenarios.append(linear_scenario(sc, "logistic", "logistic",
                                     {**base, "stepSize": 0.5, "numIterations": 20, "regParam": 0.01, "regType": "l2"}, [0.0] * 4,
                                     regression_batches(rng, true_wl, [120, 0, 120, 120, 120, 120], 0.0, logistic=True)))

    for s in scenarios:
        s["generator"] = f"scripts/mllib_reference.py, pyspark {pyspark.__version__}"
        with open(os.path.join(OUT, f"{s['name']}.json"), "w") as f:
            json.dump(s, f, indent=None, separators=(",", ":"))
            f.write("\n")
        print(f"wrote {s['name']}.json: {len(s['batches'])} batches", file=sys.stderr)
    sc.stop()


if __name__ == "__main__":
    main()
