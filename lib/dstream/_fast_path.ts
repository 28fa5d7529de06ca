/**
 * The is-first fast path of decoding: which io-ts codecs decode valid input to itself,
 * so that `is` can stand in for `decode` on valid records.
 *
 * @module
 */
import { tagOf } from "./_preview.ts";

const IDENTITY_LEAVES = new Set([
  "NullType",
  "UndefinedType",
  "VoidType",
  "UnknownType",
  "StringType",
  "NumberType",
  "BigIntType",
  "BooleanType",
  "AnyArrayType",
  "AnyDictionaryType",
  "ObjectType",
  "FunctionType",
  "LiteralType",
  "KeyofType",
  "AnyType",
  "NeverType",
]);

/**
 * True for io-ts codecs whose `decode` returns its input unchanged whenever `is`
 * accepts it, so that `is` can stand in for `decode` on valid records.
 *
 * @category spi
 * @since 0.1.0
 */
export const decodesToItself = (codec: unknown, depth = 0): boolean => {
  if (depth > 32 || typeof codec !== "object" || codec === null) return false;
  const c = codec as { type?: unknown; types?: ReadonlyArray<unknown>; props?: Record<string, unknown>; domain?: unknown; codomain?: unknown };
  const tag = tagOf(codec);
  if (tag !== undefined && IDENTITY_LEAVES.has(tag)) return true;
  switch (tag) {
    case "RefinementType":
    case "ReadonlyType":
    case "ArrayType":
    case "ReadonlyArrayType":
      return decodesToItself(c.type, depth + 1);
    case "InterfaceType":
    case "PartialType":
      return c.props !== undefined && Object.values(c.props).every((p) => decodesToItself(p, depth + 1));
    case "UnionType":
    case "IntersectionType":
    case "TupleType":
      return c.types !== undefined && c.types.every((m) => decodesToItself(m, depth + 1));
    case "DictionaryType":
      return tagOf(c.domain) === "StringType" && decodesToItself(c.codomain, depth + 1);
    default:
      return false; // t.exact / t.strict strip keys; recursive and custom codecs may convert
  }
};

