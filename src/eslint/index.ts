/**
 * `asyncio-ts/eslint`: an ESLint plugin for code that uses asyncio-ts, with the one mistake no
 * run-time check can see: a coroutine that is made and never awaited (rule
 * `asyncio-ts/no-floating-coroutine`). It needs typed linting (typescript-eslint's parser with
 * `parserOptions.projectService`); `eslint`, `@typescript-eslint/utils` and `typescript` are
 * optional peer dependencies, installed only by those who lint.
 * @module asyncio-ts/eslint
 */

import type { ESLint, Linter } from "eslint";
import { noFloatingCoroutine, type NoFloatingCoroutineMessage, type NoFloatingCoroutineOptions } from "./no_floating_coroutine.ts";

export { noFloatingCoroutine, type NoFloatingCoroutineMessage, type NoFloatingCoroutineOptions };

// typescript-eslint's RuleModule and ESLint's own RuleDefinition type the rule's context differently
// (a known mismatch between the two projects' types); at run time the rule is a plain ESLint rule.
// Typed as ESLint's, the plugin fits an `eslint.config.ts` without a cast on the user's side.
const rules = { "no-floating-coroutine": noFloatingCoroutine } as unknown as NonNullable<ESLint.Plugin["rules"]>;

const recommended: Linter.Config = {
  name: "asyncio-ts/recommended",
  plugins: { "asyncio-ts": { rules } },
  rules: { "asyncio-ts/no-floating-coroutine": "error" },
};

/**
 * The plugin, for ESLint's flat config: its rules, and `configs.recommended`, which turns
 * `no-floating-coroutine` on as an error (add typescript-eslint's parser and `projectService`).
 * @example
 * // eslint.config.js
 * import tsParser from "@typescript-eslint/parser";
 * import asyncio from "asyncio-ts/eslint";
 * export default [
 *   { files: ["**\/*.ts"], languageOptions: { parser: tsParser, parserOptions: { projectService: true } } },
 *   asyncio.configs.recommended,
 * ];
 */
const plugin: ESLint.Plugin & { configs: { recommended: Linter.Config } } = {
  meta: { name: "asyncio-ts", namespace: "asyncio-ts" },
  rules,
  configs: { recommended },
};

export default plugin;
