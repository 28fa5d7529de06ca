/**
 * A small stand-in for `tap`, used only when the tests run under Deno.
 *
 * deno.json maps the bare specifier `"tap"` to this file, so the same test
 * files run under the real tap on Node and under `deno test` on Deno (the
 * real tap does not load in Deno: `@tapjs/stack` rejects Deno's call sites).
 * Node never sees this mapping and keeps using the real tap.
 *
 * It implements the subset of tap's API that shared tests may use, on top of
 * `node:test` (which Deno runs natively) and `node:assert`:
 *
 * - `t.test(name, [opts], fn)`, nested to any depth, plus `t.skip`, `t.todo`
 * - `t.ok`, `t.notOk`, `t.equal`, `t.not`, `t.same`, `t.notSame`,
 *   `t.strictSame`, `t.strictNotSame`, `t.match`, `t.notMatch`, `t.type`,
 *   `t.throws`, `t.doesNotThrow`, `t.rejects`, `t.resolves`,
 *   `t.resolveMatch`, `t.error`, `t.pass`, `t.fail`
 * - `t.plan(n)`, `t.end()`, `t.teardown(fn)`, `t.comment(...)`
 *
 * Semantics follow tap: a test ends when its callback's promise settles, when
 * `t.end()` is called, or when a `t.plan(n)` count is reached; failed
 * assertions return `false` and the test goes on, and it is reported as
 * failed at its end. Subtests are awaited before the parent ends.
 * Not supported (keep such tests Node-only): snapshots, mocks, fixtures,
 * `t.intercept`, `t.capture`, spawn, before/after hooks.
 *
 * This file is written with erasable syntax only and lives outside tap's
 * `include` glob (`tests/**\/*.test.ts`), so tap never runs it as a test.
 *
 * @module
 */
import * as assert from "node:assert";
import { test as nodeTest } from "node:test";
import type { TestContext } from "node:test";

/** A test body, as in tap. */
export type TestFn = (t: Test) => unknown;

/** Options accepted by `t.test(name, opts, fn)`. */
export interface TestOpts {
  skip?: boolean | string;
  todo?: boolean | string;
  /**
   * Milliseconds. No default: a test that never ends (e.g. a synchronous
   * body that forgets `t.end()`) is then reported by Deno as "Promise
   * resolution is still pending but the event loop has already resolved",
   * as soon as nothing else keeps the event loop alive.
   */
  timeout?: number;
}

/** What `t.throws` and `t.rejects` may compare an error against. */
export type ErrorMatch =
  | Error
  | (abstract new (...args: never[]) => unknown)
  | RegExp
  | Record<string, unknown>;

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (
    (typeof x === "object" || typeof x === "function") &&
    x !== null &&
    typeof (x as { then?: unknown }).then === "function"
  );
}

function describe(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (x instanceof RegExp) return String(x);
  if (x instanceof Error) return `${x.name}: ${x.message}`;
  if (typeof x === "function") return `[Function ${x.name || "anonymous"}]`;
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/**
 * A subset of tcompare's `match` (tap's `t.match`): strings match by
 * substring, regular expressions by test, constructors by `instanceof` (or
 * `typeof` for String/Number/Boolean/...), objects by their listed fields
 * (extra fields in the found value are allowed), other values by `==`.
 */
function matches(found: unknown, pattern: unknown, seen: Set<unknown> = new Set()): boolean {
  if (found === pattern) return true;
  if (pattern instanceof RegExp) {
    if (found instanceof RegExp) return String(found) === String(pattern);
    return found !== null && found !== undefined && pattern.test(String(found));
  }
  if (typeof pattern === "string" && typeof found === "string") {
    return found.includes(pattern);
  }
  if (typeof pattern === "function") {
    const primitive: Record<string, unknown> = {
      string: String,
      number: Number,
      boolean: Boolean,
      bigint: BigInt,
      symbol: Symbol,
    };
    if (primitive[typeof found] === pattern) return true;
    return (typeof found === "object" || typeof found === "function") &&
      found !== null && found instanceof (pattern as new () => unknown);
  }
  if (pattern === null || typeof pattern !== "object") {
    // deno-lint-ignore eqeqeq
    return found == pattern || (Number.isNaN(found) && Number.isNaN(pattern));
  }
  if (typeof found !== "object" || found === null) return false;
  if (seen.has(pattern)) return true;
  seen.add(pattern);
  if (pattern instanceof Date) {
    return found instanceof Date && found.getTime() === pattern.getTime();
  }
  if (pattern instanceof Map) {
    if (!(found instanceof Map)) return false;
    for (const [k, v] of pattern) {
      if (!found.has(k) || !matches(found.get(k), v, seen)) return false;
    }
    return true;
  }
  if (pattern instanceof Set) {
    if (!(found instanceof Set)) return false;
    for (const v of pattern) {
      if (!found.has(v) && ![...found].some((f) => matches(f, v, seen))) return false;
    }
    return true;
  }
  const f = found as Record<PropertyKey, unknown>;
  const p = pattern as Record<PropertyKey, unknown>;
  const keys: PropertyKey[] = Object.keys(p);
  if (pattern instanceof Error) keys.push("name", "message");
  for (const k of keys) {
    if (!matches(f[k], p[k], seen)) return false;
  }
  return true;
}

function errorMatches(err: unknown, wanted: ErrorMatch): boolean {
  if (wanted instanceof RegExp) {
    const msg = err instanceof Error ? err.message : String(err);
    return wanted.test(msg);
  }
  return matches(err, wanted);
}

/** The `t` object handed to every test body. */
export class Test {
  readonly name: string;
  #ctx: TestContext | undefined;
  #pending: Promise<unknown>[] = [];
  #lastSubtest: Promise<unknown> = Promise.resolve();
  #failures: Error[] = [];
  #teardowns: Array<() => unknown> = [];
  #ended = false;
  #endSignal: Deferred = deferred();
  #plan: number | undefined = undefined;
  #count = 0;

  constructor(name: string, ctx?: TestContext) {
    this.name = name;
    this.#ctx = ctx;
  }

  // ---------------------------------------------------------------- structure

  /** Declares a subtest; returns a promise that settles when it has run. */
  test(name: string, fn: TestFn): Promise<void>;
  test(name: string, opts: TestOpts, fn: TestFn): Promise<void>;
  test(name: string, a: TestFn | TestOpts, b?: TestFn): Promise<void> {
    const fn = typeof a === "function" ? a : b;
    const opts: TestOpts = typeof a === "function" ? {} : a;
    if (fn === undefined) throw new TypeError(`Cannot run test "${name}": no test function given`);
    const nodeOpts: { skip?: boolean | string; todo?: boolean | string; timeout?: number } = {};
    if (opts.timeout !== undefined) nodeOpts.timeout = opts.timeout;
    if (opts.skip !== undefined) nodeOpts.skip = opts.skip;
    if (opts.todo !== undefined) nodeOpts.todo = opts.todo;
    const body = async (ctx: TestContext): Promise<void> => {
      await new Test(name, ctx).#run(fn);
    };
    const ctx = this.#ctx;
    // Top-level tests must be registered synchronously; node:test (and Deno)
    // runs them one after another. Subtests are chained so they run one at a
    // time in declaration order, as in tap (Deno would start them at once).
    const p: Promise<void> = ctx === undefined
      ? Promise.resolve(nodeTest(name, nodeOpts, body))
      : this.#lastSubtest.then(() => ctx.test(name, nodeOpts, body));
    this.#lastSubtest = p.catch(() => {});
    this.#pending.push(p);
    return p;
  }

  /** Declares a skipped subtest. */
  skip(name: string, fn: TestFn): Promise<void> {
    return this.test(name, { skip: true }, fn);
  }

  /** Declares a todo subtest (failures do not fail the run). */
  todo(name: string, fn: TestFn): Promise<void> {
    return this.test(name, { todo: true }, fn);
  }

  /** Ends the test once `n` assertions have been made. */
  plan(n: number, _comment?: string): void {
    if (this.#plan !== undefined) this.#fail(new Error("Cannot set plan: plan already set"));
    this.#plan = n;
    if (this.#count >= n) this.#endSignal.resolve();
  }

  /** Marks the test as done. */
  end(): this {
    this.#ended = true;
    this.#endSignal.resolve();
    return this;
  }

  /** Runs `fn` after the test (and its subtests) finish. */
  teardown(fn: () => unknown): void {
    this.#teardowns.push(fn);
  }

  /** Prints a TAP-style comment. */
  comment(...args: unknown[]): void {
    console.log("# " + args.map((a) => (typeof a === "string" ? a : describe(a))).join(" "));
  }

  async #run(fn: TestFn): Promise<void> {
    try {
      const ret = fn(this);
      if (isThenable(ret)) {
        await ret;
      } else if (!this.#ended && !(this.#plan !== undefined && this.#count >= this.#plan)) {
        // tap: a synchronous body must call t.end() or reach its plan.
        await this.#endSignal.promise;
      }
    } catch (err) {
      this.#failures.push(err instanceof Error ? err : new Error(`Non-error thrown: ${describe(err)}`));
    }
    // Subtests and rejects/resolves assertions may add more pending work.
    for (let i = 0; i < this.#pending.length; i++) {
      try {
        await this.#pending[i];
      } catch (err) {
        this.#failures.push(err instanceof Error ? err : new Error(describe(err)));
      }
    }
    if (this.#plan !== undefined && this.#count !== this.#plan) {
      this.#failures.push(
        new Error(`Test "${this.name}": planned ${this.#plan} assertions but ran ${this.#count}`),
      );
    }
    for (const td of this.#teardowns.reverse()) await td();
    const [first, ...rest] = this.#failures;
    if (first === undefined) return;
    if (rest.length === 0) throw first;
    throw new Error(
      `${this.#failures.length} assertions failed in "${this.name}":\n` +
        this.#failures.map((e, i) => `  ${i + 1}) ${e.message}`).join("\n"),
      { cause: first },
    );
  }

  // --------------------------------------------------------------- assertions

  #count1(): void {
    this.#count++;
    if (this.#plan !== undefined && this.#count >= this.#plan) this.#endSignal.resolve();
  }

  #fail(err: Error): false {
    if (this.#ctx === undefined) throw err; // top-level assertion: fail loudly
    this.#failures.push(err);
    return false;
  }

  /** Runs `check`; records an AssertionError (prefixed by `msg`) on failure. */
  #check(msg: string | undefined, check: () => void): boolean {
    this.#count1();
    try {
      check();
      return true;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(describe(err));
      if (msg !== undefined) e.message = `${msg}: ${e.message}`;
      return this.#fail(e);
    }
  }

  #assertion(cond: boolean, msg: string | undefined, fallback: string): boolean {
    return this.#check(msg, () => {
      if (!cond) throw new assert.AssertionError({ message: fallback });
    });
  }

  pass(msg?: string): true {
    this.#count1();
    void msg;
    return true;
  }

  fail(msg?: string): false {
    this.#count1();
    return this.#fail(new assert.AssertionError({ message: msg ?? "failed" }));
  }

  ok(obj: unknown, msg?: string): boolean {
    return this.#assertion(Boolean(obj), msg, `expected a truthy value, got ${describe(obj)}`);
  }

  notOk(obj: unknown, msg?: string): boolean {
    return this.#assertion(!obj, msg, `expected a falsy value, got ${describe(obj)}`);
  }

  error(er: unknown, msg?: string): boolean {
    return this.#assertion(!er, msg, `expected no error, got ${er instanceof Error ? er.stack : describe(er)}`);
  }

  equal<T>(found: unknown, wanted: T, msg?: string): found is T {
    return this.#check(msg, () => {
      if (found !== wanted) assert.strictEqual(found, wanted);
    });
  }

  not(found: unknown, doNotWant: unknown, msg?: string): boolean {
    return this.#assertion(found !== doNotWant, msg, `expected a value other than ${describe(doNotWant)}`);
  }

  same(found: unknown, wanted: unknown, msg?: string): boolean {
    return this.#check(msg, () => assert.deepEqual(found, wanted));
  }

  notSame(found: unknown, doNotWant: unknown, msg?: string): boolean {
    return this.#check(msg, () => assert.notDeepEqual(found, doNotWant));
  }

  strictSame<T>(found: unknown, wanted: T, msg?: string): found is T {
    return this.#check(msg, () => assert.deepStrictEqual(found, wanted));
  }

  strictNotSame(found: unknown, doNotWant: unknown, msg?: string): boolean {
    return this.#check(msg, () => assert.notDeepStrictEqual(found, doNotWant));
  }

  match(found: unknown, wanted: unknown, msg?: string): boolean {
    return this.#assertion(
      matches(found, wanted),
      msg,
      `expected ${describe(found)} to match pattern ${describe(wanted)}`,
    );
  }

  notMatch(found: unknown, doNotWant: unknown, msg?: string): boolean {
    return this.#assertion(
      !matches(found, doNotWant),
      msg,
      `expected ${describe(found)} not to match pattern ${describe(doNotWant)}`,
    );
  }

  // deno-lint-ignore ban-types
  type(obj: unknown, klass: string | Function, msg?: string): boolean {
    const ok = typeof klass === "string"
      ? typeof obj === klass ||
        (typeof obj === "object" && obj !== null && obj.constructor?.name === klass)
      : matches(obj, klass);
    const kname = typeof klass === "string" ? klass : klass.name;
    return this.#assertion(ok, msg, `expected type ${kname}, got ${describe(obj)}`);
  }

  /**
   * Asserts that `fn` throws. `wanted` may be an Error class, a RegExp
   * (tested against the message), or an object/Error pattern (as `t.match`).
   * A lone string argument is the assertion message, as in tap.
   * Returns the thrown error when the assertion passes.
   */
  throws(fn: () => unknown, wanted?: ErrorMatch | string, msg?: string): boolean | Error {
    const [w, m] = typeof wanted === "string" ? [undefined, wanted] : [wanted, msg];
    let thrown: unknown;
    let didThrow = false;
    try {
      fn();
    } catch (err) {
      didThrow = true;
      thrown = err;
    }
    if (!didThrow) return this.#assertion(false, m, "expected to throw");
    const ok = this.#assertion(
      w === undefined || errorMatches(thrown, w),
      m,
      `thrown error ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : describe(thrown)} does not match ${describe(w)}`,
    );
    return ok && thrown instanceof Error ? thrown : ok;
  }

  doesNotThrow(fn: () => unknown, msg?: string): boolean | Error {
    try {
      fn();
      return this.pass(msg);
    } catch (err) {
      this.#assertion(false, msg, `expected not to throw, got ${err instanceof Error ? err.stack : describe(err)}`);
      return err instanceof Error ? err : false;
    }
  }

  /** Asserts that the promise (or the promise returned by `fn`) rejects. */
  rejects(
    fnOrPromise: Promise<unknown> | (() => Promise<unknown>),
    wanted?: ErrorMatch | string,
    msg?: string,
  ): Promise<boolean | Error> {
    const [w, m] = typeof wanted === "string" ? [undefined, wanted] : [wanted, msg];
    const p = (async (): Promise<boolean | Error> => {
      try {
        await (typeof fnOrPromise === "function" ? fnOrPromise() : fnOrPromise);
      } catch (err) {
        const ok = this.#assertion(
          w === undefined || errorMatches(err, w),
          m,
          `rejection ${err instanceof Error ? `${err.name}: ${err.message}` : describe(err)} does not match ${describe(w)}`,
        );
        return ok && err instanceof Error ? err : ok;
      }
      return this.#assertion(false, m, "expected to reject");
    })();
    this.#pending.push(p);
    return p;
  }

  /** Asserts that the promise (or the promise returned by `fn`) resolves. */
  resolves(fnOrPromise: Promise<unknown> | (() => Promise<unknown>), msg?: string): Promise<boolean | Error> {
    const p = (async (): Promise<boolean | Error> => {
      try {
        await (typeof fnOrPromise === "function" ? fnOrPromise() : fnOrPromise);
        return this.pass(msg);
      } catch (err) {
        this.#assertion(false, msg, `expected to resolve, rejected with ${err instanceof Error ? err.stack : describe(err)}`);
        return err instanceof Error ? err : false;
      }
    })();
    this.#pending.push(p);
    return p;
  }

  /** Asserts that the promise resolves to a value matching `wanted`. */
  resolveMatch(
    fnOrPromise: Promise<unknown> | (() => Promise<unknown>),
    wanted: unknown,
    msg?: string,
  ): Promise<boolean> {
    const p = (async (): Promise<boolean> => {
      try {
        const v = await (typeof fnOrPromise === "function" ? fnOrPromise() : fnOrPromise);
        return this.match(v, wanted, msg);
      } catch (err) {
        return this.#assertion(false, msg, `expected to resolve, rejected with ${describe(err)}`);
      }
    })();
    this.#pending.push(p);
    return p;
  }
}

/** The root test object, like tap's default export. */
const t: Test = new Test("TAP");

/** Top-level `test(name, fn)`, like tap's named export. */
export const test: Test["test"] = t.test.bind(t);

export default t;
