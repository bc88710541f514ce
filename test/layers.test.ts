// The layers of src/ (docs/guide.md, "How it fits together"), checked on the real import graph as
// madge reads it, type-only imports included: no import cycle anywhere, and each folder imports
// only the folders below it. An entry point of the package (testing/, http/, bullmq/, eslint/) imports the
// rest only by the package's name, as a user does. asyncio-ts/core (portable.ts) and the browser
// build of asyncio-ts/testing (testing/portable.ts) reach no Node built-in at all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import madge from "madge";

const src = fileURLToPath(new URL("../src/", import.meta.url));

/** Each layer and the layers it may import, bottom to top. A file may always import its own folder. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  "exceptions.ts": [],
  "options.ts": [],
  core: ["exceptions.ts", "options.ts"],
  debug: ["exceptions.ts", "options.ts", "core"],
  loop: ["exceptions.ts", "options.ts", "core", "debug"],
  primitives: ["exceptions.ts", "options.ts", "core", "debug", "loop"],
  executors: ["exceptions.ts", "options.ts", "loop"],
  net: ["exceptions.ts", "options.ts", "core", "debug", "loop", "primitives"],
  "cli.ts": ["debug"],
  testing: [],
  http: [],
  eslint: [],
  bullmq: [],
  "portable.ts": ["exceptions.ts", "options.ts", "core", "debug", "loop", "primitives"],
  "index.ts": ["exceptions.ts", "options.ts", "core", "debug", "loop", "primitives", "executors", "net"],
};

/** The entry points that must load where Node is not (a browser, a Web Worker): asyncio-ts/core and the browser build of asyncio-ts/testing. */
const PORTABLE_ENTRIES = ["portable.ts", "testing/portable.ts"];

/** The layers under networking and executors, which asyncio-ts/core is made of: no Node module at all. */
const PURE_LAYERS = ["core", "loop", "primitives"];

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

/** The modules `file` imports that are not files of src/: Node's built-ins and packages. */
function outsideImports(file: string): string[] {
  return [...readFileSync(src + file, "utf8").matchAll(/(?:from|import) "([^".][^"]*)"/g)].map((m) => m[1]!);
}

test("the scheduler, the loop and the primitives use no Node module, not even node:util", () => {
  const wrong: string[] = [];
  for (const file of Object.keys(graph.obj())) {
    if (!PURE_LAYERS.includes(layerOf(file))) continue;
    for (const name of outsideImports(file)) wrong.push(`${file} imports ${name}`);
  }
  assert.deepEqual(wrong, []);
});

test("nothing asyncio-ts/core and the browser build of asyncio-ts/testing load imports a Node built-in", () => {
  const obj = graph.obj();
  const reached = new Set<string>();
  const visit = (file: string): void => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const dep of obj[file] ?? []) visit(dep);
  };
  for (const entry of PORTABLE_ENTRIES) visit(entry);
  assert.ok(reached.has("core/scheduler.ts") && reached.has("primitives/queues.ts") && reached.has("testing/clock.ts"));
  const wrong: string[] = [];
  for (const file of reached) {
    // The one package name allowed is the package's own, which the "browser" condition maps back to asyncio-ts/core.
    for (const name of outsideImports(file)) if (name !== "asyncio-ts") wrong.push(`${file} imports ${name}`);
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

/** The export statements of an entry point's source, each as written. */
function exportStatements(file: string): string[] {
  return [...readFileSync(src + file, "utf8").matchAll(/^export (?:type )?\{[^}]*\} from "[^"]+";$/gms)].map((m) => m[0]);
}

test("asyncio-ts/core exports every name asyncio-ts does but those of networking and executors, from the same modules", () => {
  const expected = exportStatements("index.ts").filter((st) => !/from "\.\/(net|executors)\//.test(st));
  assert.deepEqual(exportStatements("portable.ts"), expected);
});

