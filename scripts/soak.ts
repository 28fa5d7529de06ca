/**
 * `npm run soak`: the kill -9 soak (tests/_soak.ts) at full size: 20 SIGKILLs over a feed of
 * 2,000,000 file records over 40 keys and 200,000 socket lines (`--long`: 10,000,000 file
 * records, 40 kills). Prints the kills, restart-to-first-batch p50/p99 and any problem;
 * exits 1 on a problem. tests/checkpoint_soak.test.ts runs a short form under `npm test`.
 */
import process from "node:process";
import { percentile, runSoak } from "../tests/_soak.ts";

const long = process.argv.includes("--long");
const kills = Number(process.argv.find((a) => a.startsWith("--kills="))?.slice(8) ?? (long ? 40 : 20));
const fileRecords = long ? 10_000_000 : 2_000_000;
const startedAt = Date.now();
const result = await runSoak({
  kills,
  fileRecords,
  files: long ? 1000 : 400,
  socketRecords: 200_000,
  keys: 40,
  feedMs: long ? 240_000 : 60_000,
  log: (line) => console.log(line),
});
const restarts = result.restartToFirstBatchMs;
console.log(`${result.kills} kills; ${result.sinkRecords} records in the sink; restart to first batch p50 ${percentile(restarts, 50)} ms, p99 ${percentile(restarts, 99)} ms; ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
for (const problem of result.problems) console.log(`PROBLEM: ${problem}`);
console.log(result.problems.length === 0 ? "0 lost, 0 duplicated, every count exact" : "FAILED");
process.exit(result.problems.length === 0 ? 0 : 1);
