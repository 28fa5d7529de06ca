import { spawn } from "node:child_process";
import { startTextFeeder } from "../mod.ts";
const feeder = await startTextFeeder({ lines: ["to be or not to be"], linesPerSecond: 20 });
const cmd = process.argv[2] ?? "node_modules/.bin/tsx";
const child = spawn(cmd, ["examples/network_wordcount.ts", "localhost", String(feeder.port)], { stdio: ["ignore", "pipe", "pipe"] });
let out = "", err = "", sent = false;
child.stdout.on("data", (c) => { out += c; if (!sent && /\(be,\d+\)/.test(out)) { sent = true; console.log("kill", child.kill("SIGINT")); } });
child.stderr.on("data", (c) => err += c);
child.on("close", async (code, sig) => { console.log({ code, sig, err: err.slice(0, 300), tail: out.slice(-100) }); await feeder.close(); });
