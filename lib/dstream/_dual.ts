/**
 * Dual combinators, as Effect writes them: every combinator is callable data-first,
 * `map(stream, f)`, and data-last, `map(f)` for `pipe`. Which form a call is depends on
 * its arguments, not their count: data-first when the first argument is a DStream (for
 * the two-stream operations, `join(a, b)`, when the first two are).
 *
 * @module
 */
import { isDStream } from "./dstream.ts";

/** Data-first when the first argument is a stream. */
export const firstIsStream = (args: ArrayLike<unknown>): boolean => isDStream(args[0]);

/** Data-first when the first two arguments are streams: `join(a, b)` against `join(b)`. */
export const firstTwoAreStreams = (args: ArrayLike<unknown>): boolean => isDStream(args[0]) && isDStream(args[1]);

/**
 * Makes the dual of `body` (written data-first). `check`, if given, validates the
 * arguments of a data-last call at once, so that a wrong argument is reported where the
 * operator is written, not when it is applied.
 */
export const dual = <Signatures>(
  body: (self: never, ...args: never[]) => unknown,
  isDataFirst: (args: ArrayLike<unknown>) => boolean = firstIsStream,
  check?: (...args: never[]) => void,
): Signatures => {
  const call = body as (...args: unknown[]) => unknown;
  return function (this: unknown, ...args: unknown[]): unknown {
    if (isDataFirst(args)) return call(...args);
    (check as ((...args: unknown[]) => void) | undefined)?.(...args);
    return (self: unknown) => call(self, ...args);
  } as Signatures;
};
