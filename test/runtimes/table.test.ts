// The README's table of runtimes is the one table.ts makes from expected.ts, and every test file
// belongs to one of its areas, so the table speaks for the whole suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KNOWN_FAILURES } from "./expected.ts";
import { NODE_ONLY_FILES, areaOf, withTable } from "./table.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("the README's table of runtimes is the one test/runtimes/table.ts makes (node --import tsx test/runtimes/table.ts --write)", () => {
  const readme = readFileSync(`${root}README.md`, "utf8");
  assert.equal(readme, withTable(readme));
});

test("every test file belongs to one area of the table, and every known failure names a test file", () => {
  const files = readdirSync(`${root}test`, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => `test/${f}`);
  const orphans = files.filter((f) => areaOf(f) === undefined && !NODE_ONLY_FILES.includes(f));
  assert.deepEqual(orphans, []);
  const unknown = KNOWN_FAILURES.filter((k) => !files.includes(k.file)).map((k) => k.file);
  assert.deepEqual(unknown, []);
  for (const k of KNOWN_FAILURES) assert.ok(k.why.length > 0 && !k.why.endsWith("."), `${k.file}: ${String(k.test)}: a why, as a clause`);
});
