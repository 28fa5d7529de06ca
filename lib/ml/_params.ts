/**
 * Argument checks and the seeded Gaussian draw the ML classes share. Internal.
 *
 * @module
 */
import { describeValue } from "../_describe.ts";

export const checkPositiveInt = (n: unknown, what: string, example: string): number => {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) throw new RangeError(`${what} must be a whole number ≥ 1, got ${describeValue(n)}: e.g. ${example}`);
  return n;
};

export const checkName = (name: unknown, where: string): string => {
  if (typeof name !== "string" || !/^[A-Za-z0-9_.:-]+$/.test(name)) {
    throw new TypeError(`${where}'s name must be letters, digits, "_", ".", ":" or "-", got ${describeValue(name)}: e.g. { name: "clicks-kmeans" }`);
  }
  return name;
};

/** A standard normal draw (Marsaglia's polar method, as Java's `nextGaussian`), from `random` in [0, 1). */
export const nextGaussian = (random: () => number): number => {
  for (;;) {
    const u = 2 * random() - 1;
    const v = 2 * random() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
};
