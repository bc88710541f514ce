// The layers of src/ (docs/guide.md, "How it fits together"), checked on the real import graph as
// madge reads it, type-only imports included: no import cycle anywhere, and each folder imports
// only the folders below it. An entry point of the package (testing/, http/, bullmq/, eslint/) imports the
// rest only by the package's name, as a user does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import madge from "madge";

const src = fileURLToPath(new URL("../src/", import.meta.url));

/** Each layer and the layers it may import, bottom to top. A file may always import its own folder. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  "exceptions.ts": [],
  core: ["exceptions.ts"],
  debug: ["exceptions.ts", "core"],
  loop: ["exceptions.ts", "core", "debug"],
  primitives: ["exceptions.ts", "core", "debug", "loop"],
  executors: ["exceptions.ts", "loop"],
  net: ["exceptions.ts", "core", "debug", "loop", "primitives"],
  "cli.ts": ["debug"],
  testing: [],
  http: [],
  eslint: [],
  bullmq: [],
  "index.ts": ["exceptions.ts", "core", "loop", "primitives", "executors", "net"],
};

/** Node's modules the layers under networking and executors may use: none that does I/O. */
const PURE_LAYERS = ["core", "loop", "primitives"];
const PURE_NODE_MODULES = new Set(["node:util"]);

function layerOf(file: string): string {
  return file.includes("/") ? file.slice(0, file.indexOf("/")) : file;
}

const graph = await madge(src, { fileExtensions: ["ts", "js"] });

test("src/ has no import cycle, type-only imports included", () => {
  assert.deepEqual(graph.circular(), []);
});

test("each folder of src/ imports only its own and the layers below it", () => {
  const wrong: string[] = [];
  for (const [file, deps] of Object.entries(graph.obj())) {
    const layer = layerOf(file);
    const allowed = MAY_IMPORT[layer];
    assert.ok(allowed !== undefined, `${file}: a folder the layer table does not know; add it to MAY_IMPORT and docs/guide.md`);
    for (const dep of deps) {
      const target = layerOf(dep);
      if (target !== layer && !allowed.includes(target)) wrong.push(`${file} imports ${dep}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("the scheduler, the loop and the primitives use no Node module that does I/O (only node:util)", () => {
  const wrong: string[] = [];
  for (const file of Object.keys(graph.obj())) {
    if (!PURE_LAYERS.includes(layerOf(file))) continue;
    for (const [, name] of readFileSync(src + file, "utf8").matchAll(/from "(node:[^"]+)"/g)) {
      if (!PURE_NODE_MODULES.has(name!)) wrong.push(`${file} imports ${name}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("the check sees the whole graph: the loop's networking methods are added from net/ and nothing below imports it", () => {
  const obj = graph.obj();
  assert.ok(obj["net/loop_methods.ts"]?.includes("loop/events.ts"));
  assert.ok(obj["index.ts"]?.includes("net/loop_methods.ts"));
  const importers = Object.entries(obj).filter(([, deps]) => deps.includes("net/loop_methods.ts")).map(([f]) => f);
  assert.deepEqual(importers, ["index.ts"]);
});
