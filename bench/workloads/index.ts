/** Every workload, in the order. */
import type { AnyWorkload } from "../harness.ts";
import { typedDecode } from "./decode.ts";
import { keyedJoin } from "./join.ts";
import { batchSizeSweep } from "./sweep.ts";
import { windowScaling } from "./window_scaling.ts";
import { emptyBatches } from "./empty.ts";
import { grep } from "./grep.ts";
import { mlKMeans } from "./ml_kmeans.ts";
import { mlRegression } from "./ml_regression.ts";
import { runningCounts } from "./running.ts";
import { socketIngest } from "./socket.ts";
import { windowedWordCount, windowLength } from "./windowed.ts";
import { wordCount } from "./wordcount.ts";
import { wordCountWithPage } from "./wordcount_ui.ts";
import { localCores } from "./local_cores.ts";
import { localCoresSocket } from "./local_cores_socket.ts";
import { localCoresFiles } from "./local_cores_files.ts";
import { BROKER_IDS } from "./_broker_scenario.ts";

export const WORKLOADS: ReadonlyArray<AnyWorkload> = [
  wordCount,
  batchSizeSweep,
  grep,
  windowedWordCount,
  windowLength,
  windowScaling,
  runningCounts,
  keyedJoin,
  emptyBatches,
  socketIngest,
  typedDecode,
  wordCountWithPage,
  mlKMeans,
  mlRegression,
  localCores,
  localCoresSocket,
  localCoresFiles,
];

/**
 * Scenarios that are not races between contenders: they run dstreams alone, on real
 * clocks, after the table (`--only=overload` runs just that one). The broker scenarios
 * (`connectors`, `kafka`, or one of their workloads) race dstreams against the broker
 * client's raw rate, with servers started on 127.0.0.1 (bench/workloads/_broker_scenario.ts).
 */
export const SCENARIOS: ReadonlyArray<string> = ["latency", "overload", "checkpoint", "mllib", "kafka-group", ...BROKER_IDS];
