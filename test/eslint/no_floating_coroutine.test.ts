/**
 * `asyncio-ts/eslint`'s rule no-floating-coroutine, with typescript-eslint's RuleTester on cases
 * typed by the real asyncio-ts declarations, then with ESLint itself over real code: a file of
 * mistakes (exact reports) and the project's own examples (none).
 */
import { after, describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { RuleTester } from "@typescript-eslint/rule-tester";
import tsParser from "@typescript-eslint/parser";
import { ESLint } from "eslint";
import asyncio, { noFloatingCoroutine } from "asyncio-ts/eslint";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));

RuleTester.afterAll = after;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const ruleTester = new RuleTester({
  languageOptions: { parserOptions: { projectService: { allowDefaultProject: [] }, tsconfigRootDir: fixtures } },
});

const header = 'import { Queue, createTask, gather, run, sleep, type Coroutine } from "asyncio-ts";\n';

ruleTester.run("no-floating-coroutine", noFloatingCoroutine, {
  valid: [
    header + "function* f(): Coroutine { yield* sleep(1); }",
    header + "function* f(q: Queue<number>): Coroutine { const n = yield* q.get(); void n; }",
    header + "function* f(): Coroutine { createTask(sleep(1)); gather(sleep(1)); }",
    header + "function* f(): Coroutine { const later = sleep(1); yield* later; }",
    header + "function* f(): Coroutine { void sleep(1); }",
    header + "export async function f(): Promise<void> { await run(sleep(1)); await createTask(sleep(1)); }",
    header + "function* f(): Coroutine { yield; }",
    header + "function* numbers(): Generator<number> { yield 1; } function* f(): Coroutine { yield* numbers(); }",
    header + "function g(): number { return 1; } function* f(): Coroutine { g(); }",
  ],
  invalid: [
    {
      code: header + "function* f(): Coroutine { sleep(1); }",
      errors: [{ messageId: "floating", data: { text: "sleep(1)" } }],
    },
    {
      code: header + "function* f(q: Queue<number>): Coroutine { q.put(1); }",
      errors: [{ messageId: "floating", data: { text: "q.put(1)" } }],
    },
    {
      code: header + "function* f(q?: Queue<number>): Coroutine { q?.put(1); }",
      errors: [{ messageId: "floating", data: { text: "q?.put(1)" } }],
    },
    {
      code: header + "function* f(): Coroutine { void sleep(1); }",
      options: [{ ignoreVoid: false }],
      errors: [{ messageId: "floating", data: { text: "sleep(1)" } }],
    },
    {
      code: header + "export async function f(): Promise<void> { await sleep(1); }",
      errors: [{ messageId: "awaited", data: { text: "sleep(1)" } }],
    },
    {
      code: header + "function* f(): Coroutine { yield sleep(1); }",
      errors: [{ messageId: "yielded", data: { text: "sleep(1)" } }],
    },
    {
      code: header + "function* mine(): Coroutine<number> { return 1; }\nfunction* f(): Coroutine { mine(); }",
      errors: [{ messageId: "floating", data: { text: "mine()" }, line: 3 }],
    },
  ],
});

function eslint(): ESLint {
  return new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ["**/*.ts"], languageOptions: { parser: tsParser, parserOptions: { projectService: true, tsconfigRootDir: root } } },
      asyncio.configs.recommended,
    ],
  });
}

test("ESLint with configs.recommended reports each mistake of a real file, exactly", async () => {
  const [result] = await eslint().lintFiles([`${fixtures}mistakes.ts`]);
  const reports = result!.messages.map((m) => `${m.line}: ${m.ruleId}: ${m.message}`);
  assert.deepEqual(reports, [
    "6: asyncio-ts/no-floating-coroutine: `queue.put(1)` makes a coroutine and drops it, so it never runs: write `yield* queue.put(1)` inside a coroutine, or start it with createTask().",
    "8: asyncio-ts/no-floating-coroutine: `barrier.abort()` makes a coroutine and drops it, so it never runs: write `yield* barrier.abort()` inside a coroutine, or start it with createTask().",
    "10: asyncio-ts/no-floating-coroutine: `yield sleep(0.1)` hands the coroutine itself to the task, which throws a TypeError here: write `yield* sleep(0.1)`.",
    "17: asyncio-ts/no-floating-coroutine: `await` of a coroutine does nothing (a coroutine is a generator, not a promise): write `yield* sleep(1)` inside a coroutine, or await run(...) or a createTask(...) task.",
  ]);
});

test("the project's own examples have no floating coroutine", async () => {
  const results = await eslint().lintFiles(["examples/**/*.ts"]);
  assert.ok(results.length >= 10, `linted ${results.length} files`);
  const reports = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line}: ${m.ruleId}: ${m.message}`));
  assert.deepEqual(reports, []);
});
