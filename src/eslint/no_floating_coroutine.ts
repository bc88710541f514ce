/**
 * The lint rule `asyncio-ts/no-floating-coroutine`: a coroutine made and never awaited.
 *
 * A coroutine is a generator: calling `sleep(1)` or `queue.put(x)` only makes one, and nothing
 * runs until a task drives it with `yield*`. So `sleep(1);` on its own line does nothing at all,
 * `await sleep(1)` in an async function does nothing either (a generator is not a promise), and
 * `yield sleep(1)` (without the star) hands the generator to the task, which throws a TypeError.
 * CPython warns "coroutine ... was never awaited" when such a coroutine is collected; a generator
 * that was never started leaves no trace at run time, so this rule finds it in the source, from
 * the types: it reports an expression whose type is a `Generator` (which `Coroutine<T>` is)
 * - used as a statement (`sleep(1);`), unless discarded on purpose with `void` (option `ignoreVoid`);
 * - awaited with `await`;
 * - yielded with `yield` instead of `yield*`.
 */

import { ESLintUtils, type TSESTree } from "@typescript-eslint/utils";
import ts from "typescript";

/** The rule's options: `[{ ignoreVoid?: boolean }]`. */
export interface NoFloatingCoroutineOptions {
  /** Accept `void coro()` as a deliberate discard. @default true */
  ignoreVoid?: boolean;
}

/** The rule's reports: a coroutine dropped as a statement, awaited with `await`, or yielded with `yield`. */
export type NoFloatingCoroutineMessage = "floating" | "awaited" | "yielded";

/** True when every non-nullish part of `type` is a generator object (`Generator`, so `Coroutine`). */
function isCoroutineType(type: ts.Type): boolean {
  const parts = type.isUnion() ? type.types : [type];
  const real = parts.filter((t) => (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)) === 0);
  return real.length > 0 && real.every((t) => (t.getSymbol() ?? t.aliasSymbol)?.getName() === "Generator");
}

/**
 * Flags coroutines that are made and never awaited: a statement `sleep(1);`, `await sleep(1)`,
 * and `yield sleep(1)` (which should be `yield* sleep(1)`). Needs type information (typed
 * linting: `parserOptions.projectService`).
 * @example
 * // eslint.config.js
 * import asyncio from "asyncio-ts/eslint";
 * export default [asyncio.configs.recommended];
 */
export const noFloatingCoroutine = ESLintUtils.RuleCreator.withoutDocs<[NoFloatingCoroutineOptions], NoFloatingCoroutineMessage>({
  meta: {
    type: "problem",
    docs: { description: "Require coroutines to be awaited with `yield*` (a coroutine that is only made never runs)" },
    messages: {
      floating: "`{{text}}` makes a coroutine and drops it, so it never runs: write `yield* {{text}}` inside a coroutine, or start it with createTask().",
      awaited:
        "`await` of a coroutine does nothing (a coroutine is a generator, not a promise): write `yield* {{text}}` inside a coroutine, or await run(...) or a createTask(...) task.",
      yielded: "`yield {{text}}` hands the coroutine itself to the task, which throws a TypeError here: write `yield* {{text}}`.",
    },
    schema: [
      {
        type: "object",
        properties: { ignoreVoid: { type: "boolean", description: "Accept `void coro()` as a deliberate discard." } },
        additionalProperties: false,
      },
    ],
  },
  defaultOptions: [{ ignoreVoid: true }],
  create(context, [options]) {
    const services = ESLintUtils.getParserServices(context);
    const text = (node: TSESTree.Node): string => {
      const source = context.sourceCode.getText(node).replace(/\s+/g, " ");
      return source.length > 60 ? `${source.slice(0, 57)}...` : source;
    };
    const check = (node: TSESTree.Node, messageId: NoFloatingCoroutineMessage, shown: TSESTree.Node = node): void => {
      if (isCoroutineType(services.getTypeAtLocation(node))) context.report({ node: shown, messageId, data: { text: text(node) } });
    };
    return {
      ExpressionStatement(statement) {
        let expr: TSESTree.Expression = statement.expression;
        if (expr.type === "UnaryExpression" && expr.operator === "void") {
          if (options.ignoreVoid !== false) return;
          expr = expr.argument;
        }
        if (expr.type === "ChainExpression") expr = expr.expression;
        if (expr.type === "CallExpression" || expr.type === "NewExpression") check(expr, "floating", statement);
      },
      AwaitExpression(node) {
        check(node.argument, "awaited", node);
      },
      YieldExpression(node) {
        if (!node.delegate && node.argument !== null) check(node.argument, "yielded", node);
      },
    };
  },
});
