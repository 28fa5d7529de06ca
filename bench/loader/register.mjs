// Runs the benchmark's TypeScript as TypeScript's own compiler emits it (what
// `npm run build` ships), rather than through tsx: tsx transpiles with esbuild's
// `keepNames`, which wraps every function and class created at run time in a
// `__name(…)` call (Object.defineProperty), a cost the published package does not
// have, and it minifies whitespace, which makes CPU profiles read "line 1".
//
//   node --expose-gc --import ./bench/loader/register.mjs bench/run.ts
import { register } from "node:module";

register("./ts_hooks.mjs", import.meta.url);
