import t from "tap";
import { LineSplitter } from "../lib/sources/line_splitter.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

t.test("lines split across reads arrive whole", async (t) => {
  const splitter = new LineSplitter(() => t.fail("no invalid bytes here"));
  t.same(splitter.push(bytes("hel")), []);
  t.same(splitter.push(bytes("lo\nwor")), ["hello"]);
  t.same(splitter.push(bytes("ld\n\nlast")), ["world", ""]);
  t.same(splitter.end(), ["last"], "a final line without a terminator is delivered at the end");
});

t.test("a multi-byte character split across reads arrives whole", async (t) => {
  const splitter = new LineSplitter(() => t.fail("valid UTF-8"));
  const euro = bytes("€uro ✓ 🎉\n");
  const lines: string[] = [];
  for (let i = 0; i < euro.length; i++) lines.push(...splitter.push(euro.subarray(i, i + 1)));
  t.same(lines, ["€uro ✓ 🎉"]);
});

t.test("\\r\\n and \\r end lines too, as Java's readLine treats them", async (t) => {
  const splitter = new LineSplitter(() => {});
  t.same(splitter.push(bytes("a\r\nb\rc\r")), ["a", "b", "c"]);
  t.same(splitter.push(bytes("\nd\n")), ["d"], "a \\r\\n split across reads is one line end");
});

t.test("a \\r followed by more text in the same read ends only its own line: a \\n in the next read ends the next line", async (t) => {
  const splitter = new LineSplitter(() => {});
  t.same(splitter.push(bytes("50%\r100%")), ["50%"]);
  t.same(splitter.push(bytes("\ndone\n")), ["100%", "done"], "not 100%done");
  t.same(splitter.push(bytes("x\r")), ["x"]);
  t.same(splitter.push(bytes("\ny\n")), ["y"], "a \\r\\n split right between the two is still one line end");
});

t.test("invalid UTF-8 is reported and replaced, not fatal", async (t) => {
  const reports: number[] = [];
  const splitter = new LineSplitter((n) => reports.push(n));
  t.same(splitter.push(new Uint8Array([0x61, 0xff, 0xfe, 0x62, 0x0a, 0x63, 0x0a])), ["a\uFFFD\uFFFDb", "c"]);
  t.same(reports, [6]);
});

t.test("a line longer than the limit is delivered in pieces cut between characters, and reported", async (t) => {
  const reports: number[] = [];
  const splitter = new LineSplitter(() => t.fail("valid UTF-8"), (max) => reports.push(max), 8);
  // "xééééé" is 11 bytes: a cut at 8 bytes would split the fourth "é", so the piece stops before it.
  t.same(splitter.push(bytes("abcdef")), [], "within the limit: held");
  t.same(splitter.push(bytes("ghij")), ["abcdefgh"], "past it: a piece of 8 bytes goes out");
  t.same(splitter.push(bytes("k\nxééééé")), ["ijk", "xééé"], "the rest of the line ends it; the next one is cut before a character");
  t.same(splitter.push(bytes("\n")), ["éé"]);
  t.same(reports, [8, 8]);
  const all = new LineSplitter(() => {}, () => {}, 8);
  const received = [...all.push(bytes("0123456789".repeat(3))), ...all.push(bytes("\n"))];
  t.equal(received.join(""), "0123456789".repeat(3), "no byte is lost");
});
