/**
 * The README's table of what works where, made from the suite itself: each area is a set of test
 * files; on Node every test passes (`npm test`), on Bun and Deno every test passes but those
 * expected.ts lists (run.ts checks that against a real run), and in browsers the areas of
 * asyncio-ts/core run in test/browser/ (the tour in Chromium, in a page and in a Web Worker).
 * table.test.ts checks that the README holds this table;
 * `node --import tsx test/runtimes/table.ts --write` puts it there.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KNOWN_FAILURES, NOT_RUN } from "./expected.ts";

export interface Area {
  readonly name: string;
  /** Test files, or folders ending in `/`, whose tests are this area's. */
  readonly files: readonly string[];
  /** Why it cannot run in a browser, or null when it does (asyncio-ts/core). */
  readonly notInBrowsers: string | null;
}

export const AREAS: readonly Area[] = [
  { name: "the loop, futures, tasks, `run`, `gather`, `wait`, AbortSignals, option checks", files: ["test/core/", "test/loop/events", "test/loop/futures", "test/loop/tasks", "test/loop/runners", "test/loop/abort", "test/options"], notInBrowsers: null },
  { name: "context variables", files: ["test/loop/contextvars"], notInBrowsers: null },
  { name: "timeouts, task groups, locks, queues", files: ["test/primitives/"], notInBrowsers: null },
  { name: "the virtual clock (`asyncio-ts/testing`)", files: ["test/testing/clock"], notInBrowsers: null },
  { name: "`asyncioTest` (`asyncio-ts/testing`)", files: ["test/testing/case"], notInBrowsers: "it watches Node's handles with node:async_hooks" },
  { name: "TCP and Unix streams, transports, protocols", files: ["test/net/streams", "test/net/bytequeue", "test/net/transports"], notInBrowsers: "a page has no sockets" },
  { name: "UDP", files: ["test/net/datagram"], notInBrowsers: "a page has no sockets" },
  { name: "DNS (`getaddrinfo`)", files: ["test/net/dns"], notInBrowsers: "a page has no resolver" },
  { name: "subprocesses", files: ["test/net/subprocess"], notInBrowsers: "a page has no processes" },
  { name: "signals, Ctrl-C", files: ["test/net/signals"], notInBrowsers: "a page has no signals" },
  { name: "thread and process pools", files: ["test/executors/"], notInBrowsers: "they are Node's worker_threads and child processes (a Web Worker would be another pool)" },
  { name: "`asyncio-ts/http`", files: ["test/http/"], notInBrowsers: "it is node:http's server and client" },
  { name: "`asyncio-ts/bullmq`", files: ["test/bullmq/"], notInBrowsers: "it is a Redis client, and runs jobs in worker processes" },
  { name: "`asyncio-ts/eslint`", files: ["test/eslint/"], notInBrowsers: "a lint rule runs where ESLint runs" },
  { name: "call graphs, `ps` and `pstree`, debug mode's watchdog", files: ["test/loop/graph", "test/debug/", "test/cli"], notInBrowsers: "not tried there (`ps` and `pstree` reach a process through Node's inspector; the watchdog is a Node thread)" },
  { name: "the examples, each against its Python original", files: ["test/examples"], notInBrowsers: null },
  { name: "the repository's own checks (docs, layers)", files: ["test/docs", "test/layers", "test/runtimes/"], notInBrowsers: "they read the repository" },
];

/** The test files that are not run on Bun and Deno: they drive a browser from Node. */
export const NODE_ONLY_FILES = ["test/browser/browser.test.ts"];

export function areaOf(file: string): Area | undefined {
  return AREAS.find((a) => a.files.some((f) => (f.endsWith("/") ? file.startsWith(f) : file === `${f}.test.ts`)));
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const version = (pkg: string): string => (JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, "utf8")) as { version: string }).version;

/** The reasons of the known failures, numbered in the order the table meets them. */
function reasons(): string[] {
  const out: string[] = [];
  for (const area of AREAS) {
    for (const runtime of ["bun", "deno"] as const) {
      for (const k of [...NOT_RUN, ...KNOWN_FAILURES]) if (k.runtimes.includes(runtime) && areaOf(k.file) === area && !out.includes(k.why)) out.push(k.why);
    }
  }
  return out;
}

function cell(area: Area, runtime: "bun" | "deno", notes: string[]): string {
  const why = [...new Set([...NOT_RUN, ...KNOWN_FAILURES].filter((k) => k.runtimes.includes(runtime) && areaOf(k.file) === area).map((k) => k.why))];
  if (why.length === 0) return "yes";
  return `yes, but for ${why.map((w) => `(${notes.indexOf(w) + 1})`).join(" ")}`;
}

/** The table, in Markdown, with the numbered reasons below it. */
export function runtimeTable(): string {
  const notes = reasons();
  const lines = [
    `| area | Node.js 20+ | Bun ${version("bun")} | Deno ${version("deno")} | browsers (Chromium: a page, a Web Worker) |`,
    "|---|---|---|---|---|",
  ];
  for (const area of AREAS) {
    const browsers = area.notInBrowsers === null ? (area.files.includes("test/examples") ? "yes, those that need only asyncio-ts/core" : "yes") : `no: ${area.notInBrowsers}`;
    lines.push(`| ${area.name} | yes | ${cell(area, "bun", notes)} | ${cell(area, "deno", notes)} | ${browsers} |`);
  }
  lines.push("", "The tests that fail, and why (test/runtimes/expected.ts lists each):", "");
  notes.forEach((why, i) => lines.push(`${i + 1}. ${why[0]!.toUpperCase()}${why.slice(1)}.`));
  return lines.join("\n");
}

export const BEGIN = "<!-- runtimes table: made by test/runtimes/table.ts from the suite's runs; do not edit by hand -->";
export const END = "<!-- end of the runtimes table -->";

/** The README with the table between its markers replaced by the current one. */
export function withTable(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} ... ${END} block`);
  return `${readme.slice(0, start + BEGIN.length)}\n${runtimeTable()}\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "--write") {
  const path = `${root}README.md`;
  writeFileSync(path, withTable(readFileSync(path, "utf8")));
  console.log("README.md: runtimes table written");
}
