// core/repr.ts: where the host has no util.inspect (a browser, a Web Worker), our own formatter
// prints what Node's prints, on one line, for the values messages and reprs hold.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { _setHostInspect, formatValue, inspectCustom, portableFormat } from "../../src/core/repr.ts";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
class Shown {
  [inspectCustom](): string {
    return "<Shown>";
  }
}
class Empty {}
class Base {}
class Derived extends Base {}
function named(): void {}
function* gen(): Generator<number> {
  yield 1;
}
async function later(): Promise<void> {}

const VALUES: [string, unknown][] = [
  ["a string", "abc"],
  ["a string with a single quote", "it's"],
  ["a string with both quotes", `it's "so"`],
  ["escapes", "a\nb\tc\\d"],
  ["the empty string", ""],
  ["numbers", [0, -0, 1.5, -3, NaN, Infinity]],
  ["a bigint", 10n],
  ["booleans, null, undefined", [true, false, null, undefined]],
  ["a symbol", Symbol("tag")],
  ["a function", named],
  ["an anonymous function", [() => 1]],
  ["a generator function", gen],
  ["an async function", later],
  ["a class", Point],
  ["a derived class", Derived],
  ["an array", [1, "a", [2, [3, [4]]]]],
  ["an empty array and object", [[], {}]],
  ["a plain object", { a: 1, "b-c": "x", nested: { deep: { deeper: 1 } } }],
  ["a class instance", new Point(1, 2)],
  ["an empty class instance", new Empty()],
  ["an object with its own repr", new Shown()],
  ["a repr inside an array", [new Shown(), new Shown()]],
  ["a null-prototype object", Object.assign(Object.create(null) as object, { k: 1 })],
  ["a map", new Map<unknown, unknown>([["a", 1], [2, { b: 2 }]])],
  ["a set", new Set([1, "two"])],
  ["a date", new Date(Date.UTC(2024, 0, 2, 3, 4, 5))],
  ["a regexp", /a+b/gi],
  ["a Uint8Array", new Uint8Array([1, 2, 3])],
  ["a getter", Object.defineProperty({}, "g", { get: () => 1, enumerable: true })],
  ["a symbol key", { [Symbol("s")]: 1 }],
];

for (const [what, value] of VALUES) {
  for (const depth of [0, 2]) {
    test(`our formatter prints ${what} as util.inspect does (depth ${depth})`, () => {
      assert.equal(portableFormat(value, depth), inspect(value, { depth, breakLength: Infinity }));
    });
  }
}

test("an error shows its stack, as util.inspect shows it", () => {
  const e = new TypeError("bad");
  assert.equal(portableFormat(e), e.stack);
  const bare = new RangeError("no stack");
  bare.stack = "";
  assert.equal(portableFormat(bare), "[RangeError: no stack]");
});

test("formatValue uses the host's util.inspect where there is one, ours where not", (t) => {
  t.after(() => _setHostInspect(undefined));
  const long = { first: "x".repeat(50), second: "y".repeat(50) };
  _setHostInspect(undefined);
  assert.equal(formatValue(long), inspect(long)); // Node's, over several lines
  assert.ok(formatValue(long).includes("\n"));
  _setHostInspect(null);
  assert.equal(formatValue(long), inspect(long, { breakLength: Infinity })); // ours, on one
  assert.equal(formatValue(new Shown(), { depth: 0 }), "<Shown>");
});

test("inspectCustom is Node's util.inspect.custom", () => {
  assert.equal(inspectCustom, inspect.custom);
});
