// KeySlots numbers distinct keys in first-arrival order, the table under reduceByKey,
// join and local[n]'s map-side combine. String keys go into a table of their own, placed
// by their Java hash code: keys with equal hash codes stay distinct, a string never
// equals a number, the table grows without losing a key, and the hash codes it kept are
// the ones the layout would compute.
import t from "tap";
import fc from "fast-check";
import { hashCodeOf, KeySlots } from "../lib/rdd/_keys.ts";
import { RDD } from "../mod.ts";

/** What KeySlots should give: first-arrival numbering, keys compared as a Map compares them (tuples by content). */
const model = (keys: ReadonlyArray<unknown>): number[] => {
  const seen = new Map<unknown, number>();
  return keys.map((k) => {
    const id = Array.isArray(k) ? `tuple:${JSON.stringify(k)}` : k;
    let slot = seen.get(id);
    if (slot === undefined) seen.set(id, slot = seen.size);
    return slot;
  });
};

t.test("strings with equal Java hash codes are distinct keys", async (t) => {
  t.equal(hashCodeOf("Aa"), hashCodeOf("BB"), "the classic collision");
  const slots = new KeySlots<string>();
  t.strictSame(["Aa", "BB", "Aa", "AaAa", "BBBB", "AaBB", "BBAa", "BB"].map((k) => slots.slotOf(k)), [0, 1, 0, 2, 3, 4, 5, 1]);
  t.strictSame(slots.keys, ["Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa"]);
});

t.test("a string key never equals a number or a tuple, and mixed keys share one numbering", async (t) => {
  const slots = new KeySlots<unknown>();
  t.strictSame(["1", 1, "1", [1], 1, "[1]", [1]].map((k) => slots.slotOf(k)), [0, 1, 0, 2, 1, 3, 2]);
  t.equal(slots.stringHashCodes(), undefined, "not every key is a string: the layout computes the hash codes");
});

t.test("a string first seen after more than 64 keys of other types is found again", async (t) => {
  const slots = new KeySlots<unknown>();
  for (let i = 0; i < 200; i++) slots.slotOf(i);
  t.equal(slots.slotOf("late"), 200);
  t.equal(slots.slotOf("late"), 200, "not a second slot");
  t.equal(slots.slotOf("other"), 201);
  t.equal(slots.size, 202);
});

t.test("numbering matches a Map's, through many growths, for any mix of keys", async (t) => {
  const keyArb = fc.oneof(
    fc.string({ maxLength: 4 }),
    fc.constantFrom("Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa", "", "\u00e9", "e\u0301"),
    fc.integer({ min: -3, max: 3 }),
    fc.integer({ min: 0, max: 300 }),
    fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom("x", "y")),
  );
  fc.assert(
    fc.property(fc.array(keyArb, { maxLength: 400 }), (keys) => {
      const slots = new KeySlots<unknown>();
      t.strictSame(keys.map((k) => slots.slotOf(Array.isArray(k) ? [...k] : k)), model(keys));
    }),
    { numRuns: 200 },
  );
});

t.test("100,000 distinct strings: every one found again, and the kept hash codes are Java's", async (t) => {
  const words = Array.from({ length: 100_000 }, (_, i) => `w${(i * 7919) % 100_003}`);
  const slots = new KeySlots<string>();
  words.forEach((w) => slots.slotOf(w));
  t.equal(slots.size, 100_000);
  t.ok(words.every((w, i) => slots.slotOf(`${w}`) === i), "each word keeps its slot");
  const hashes = slots.stringHashCodes()!;
  t.equal(hashes.length, 100_000);
  t.ok(words.every((w, i) => hashes[i] === hashCodeOf(w)), "String.hashCode of each");
});

t.test("reduceByKey over colliding strings counts each apart, in Spark's layout", async (t) => {
  const words = ["Aa", "BB", "Aa", "C", "BB", "Aa"];
  const counts = RDD.fromArray(words.map((w): readonly [string, number] => [w, 1])).reduceByKey((a, b) => a + b).collect();
  t.strictSame(Object.fromEntries(counts), { Aa: 3, BB: 2, C: 1 });
});
