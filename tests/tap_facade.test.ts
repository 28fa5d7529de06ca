// Exercises the tap subset that shared tests may use. Under Node this runs on
// the real tap; under Deno on tests/_tap_deno.ts (see deno.json "imports").
import t from "tap";

class Point {
  x: number;
  y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
  }
}

t.test("plain assertions", (t) => {
  t.ok(1);
  t.notOk(0);
  t.equal(1 + 1, 2);
  t.not(1, 2);
  t.same(new Point(1, 2), { x: 1, y: 2 }, "same ignores prototypes");
  t.strictSame([1, [2, 3]], [1, [2, 3]]);
  t.match("hello world", "world", "substring");
  t.match("hello world", /wor/, "regex");
  t.match({ a: 1, b: { c: "xyz" } }, { b: { c: /y/ } }, "object pattern");
  t.match(new Point(1, 2), Point, "class");
  t.notMatch("abc", /z/);
  t.type("s", "string");
  t.type(new Point(0, 0), Point);
  t.error(null);
  t.pass("pass");
  t.end();
});

t.test("throws", (t) => {
  const boom = (): never => {
    throw new TypeError("boom: bad input");
  };
  t.throws(boom);
  t.throws(boom, TypeError);
  t.throws(boom, /bad input/);
  t.throws(boom, { name: "TypeError", message: "boom: bad input" });
  t.throws(boom, new TypeError("boom: bad input"));
  t.throws(boom, "with a message only");
  const err = t.throws(boom);
  t.ok(err instanceof TypeError, "throws returns the error");
  t.doesNotThrow(() => 1);
  t.end();
});

t.test("promises", async (t) => {
  await t.rejects(Promise.reject(new RangeError("late")), RangeError);
  await t.rejects(async () => {
    throw new Error("fn rejects");
  }, { message: /rejects/ });
  await t.resolves(Promise.resolve(1));
  await t.resolveMatch(Promise.resolve({ n: 1, m: 2 }), { n: 1 });
  // not awaited: the test still waits for it
  t.rejects(new Promise((_, reject) => setTimeout(() => reject(new Error("x")), 10)));
});

t.test("nested subtests run in order and are awaited", (t) => {
  const order: string[] = [];
  t.test("first", async (t) => {
    await new Promise((r) => setTimeout(r, 20));
    order.push("first");
    t.pass();
  });
  t.test("second", (t) => {
    order.push("second");
    t.end();
  });
  t.test("check", (t) => {
    t.strictSame(order, ["first", "second"]);
    t.end();
  });
  t.end();
});

t.test("plan ends the test", (t) => {
  t.plan(2);
  setTimeout(() => {
    t.ok(true);
    t.ok(true);
  }, 10);
});

t.test("end may come later", (t) => {
  setTimeout(() => {
    t.pass();
    t.end();
  }, 10);
});

t.test("teardown runs", (t) => {
  let closed = false;
  t.teardown(() => {
    closed = true;
  });
  t.test("inner", (t) => {
    t.notOk(closed);
    t.end();
  });
  t.end();
});
