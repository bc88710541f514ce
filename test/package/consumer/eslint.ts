/** The shipped ESLint plugin (`asyncio-ts/eslint`) finds a dropped coroutine in a typed project, run with plain node. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import tsParser from "@typescript-eslint/parser";
import { ESLint } from "eslint";
import asyncio from "asyncio-ts/eslint";

const project = fileURLToPath(new URL("../", import.meta.url));
const eslint = new ESLint({
  cwd: project,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ["**/*.ts"], languageOptions: { parser: tsParser, parserOptions: { projectService: true, tsconfigRootDir: project } } },
    asyncio.configs.recommended,
  ],
});
const [result] = await eslint.lintFiles(["src/lint_target.ts"]);
assert.deepEqual(
  result!.messages.map((m) => [m.line, m.ruleId]),
  [[6, "asyncio-ts/no-floating-coroutine"]],
);
console.log("ok: eslint");
