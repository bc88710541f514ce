/**
 * The package check (`npm run check:package`): what a user installs, tried as a user would.
 *
 * It builds the package, packs it, installs the tarball into a fresh `"type": "module"` project
 * in a temporary folder, and there:
 * - typechecks a consumer that names every export of every entry point (generated from the
 *   installed declarations) and the hand-written programs of consumer/, under `--strict` with
 *   `skipLibCheck: false` and no `@types` loaded by default (as TypeScript 6 does), for
 *   `moduleResolution` `nodenext` and `bundler`; and a web consumer (every export of
 *   asyncio-ts/core, and consumer/browser.ts under the "browser" condition) with the DOM's types
 *   and none of Node's;
 * - bundles consumer/browser.ts for the browser with esbuild (no Node built-in may be reachable)
 *   and runs the bundle in a context that has no `process`, no `setImmediate` and no Node module;
 * - runs each program of consumer/ with plain node (no tsx), compiled by that project's tsc, and
 *   a CommonJS one with `require()`; runs the package's command (`npx asyncio-ts ps|pstree PID`)
 *   against one of them;
 * - lints the tarball with publint and @arethetypeswrong/cli;
 * - checks that the source maps carry their sources, that every relative link in the shipped
 *   Markdown resolves inside the package, and that docs/api/ is what TypeDoc makes of the source now;
 * - checks the clone a contributor gets: examples import the package by its name, and the
 *   tour's usage lines name examples that exist.
 * Every check runs, and each failure is listed; the exit code is 1 if any failed.
 */

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import ts from "typescript";

const root = fileURLToPath(new URL("../../", import.meta.url));
const consumerSources = fileURLToPath(new URL("./consumer/", import.meta.url));
const bin = (pkg: string, file: string): string => join(root, "node_modules", pkg, file);
const failures: string[] = [];

function step(name: string, check: () => void): void {
  const t0 = performance.now();
  try {
    check();
    console.log(`ok    ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL  ${name}\n${indent(e instanceof Error ? e.message : String(e))}`);
  }
}

function indent(text: string): string {
  return text.trimEnd().replace(/^/gm, "      ");
}

/** Runs a command; throws with its output when it fails. */
function sh(file: string, args: string[], cwd: string): string {
  const r = spawnSync(file, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  if (r.status !== 0) throw new Error(`${relative(root, file) || file} ${args.join(" ")} exited ${r.status ?? r.signal}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const node = (args: string[], cwd: string): string => sh(process.execPath, args, cwd);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

// -- the package ------------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), "asyncio-ts-package-"));
const project = join(work, "consumer");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; exports: Record<string, unknown> };
const entryPoints = Object.keys(pkg.exports)
  .filter((k) => k !== "./package.json")
  .map((k) => (k === "." ? pkg.name : `${pkg.name}/${k.slice(2)}`));
let tarball = "";
const installed = join(project, "node_modules", pkg.name);

step("build and pack", () => {
  rmSync(join(root, "dist"), { recursive: true, force: true });
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as { filename: string }[];
  tarball = join(work, info!.filename);
});

step("install the tarball into a fresh project", () => {
  mkdirSync(join(project, "src"), { recursive: true });
  mkdirSync(join(project, "web"), { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2));
  sh("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], project);
  // The consumer's @types/node and the optional peers of asyncio-ts/eslint and asyncio-ts/bullmq
  // are the repository's (a user installs their own).
  for (const peer of ["@types/node", "eslint", "@typescript-eslint/utils", "@typescript-eslint/parser", "typescript", "bullmq", "ioredis"]) {
    mkdirSync(dirname(join(project, "node_modules", peer)), { recursive: true });
    symlinkSync(join(root, "node_modules", peer), join(project, "node_modules", peer), "dir");
  }
  for (const f of readdirSync(consumerSources)) cpSync(join(consumerSources, f), join(project, "src", f));
  writeFileSync(join(project, "src", "exports.ts"), everyExport());
  writeFileSync(join(project, "web", "core_exports.ts"), everyExport([`${pkg.name}/core`]));
});

/**
 * A module naming every export of every entry point, read from the installed declarations, so an
 * export added later is covered without editing anything here.
 */
function everyExport(only?: string[]): string {
  const lines = ["// Generated by test/package/check.ts: every export of every entry point, by name.", ""];
  for (const entry of entryPoints) {
    if (only !== undefined && !only.includes(entry)) continue;
    const dts = join(installed, (pkg.exports[`.${entry.slice(pkg.name.length)}`] as { types: string }).types);
    const program = ts.createProgram([dts], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, types: [] });
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(dts)!)!;
    const values: string[] = [];
    const types: string[] = [];
    for (const sym of checker.getExportsOfModule(moduleSymbol)) {
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      const typeOnly = (sym.declarations ?? []).some((d) => ts.isTypeOnlyImportOrExportDeclaration(d));
      (target.flags & ts.SymbolFlags.Value && !typeOnly ? values : types).push(sym.name);
    }
    if (values.length + types.length === 0) throw new Error(`${entry} exports nothing`);
    const alias = (name: string): string => `${name} as ${entry.replace(/\W/g, "_")}_${name}`;
    if (values.length > 0) lines.push(`export { ${values.sort().map(alias).join(", ")} } from "${entry}";`);
    if (types.length > 0) lines.push(`export type { ${types.sort().map(alias).join(", ")} } from "${entry}";`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Runs an ES module bundle in a fresh V8 context that has what a Web Worker has for our purposes
 * (console, timers, MessageChannel, performance, queueMicrotask, URL, and an `import.meta.url`
 * as a page would serve it) and nothing of Node's.
 */
const WEB_HOST = `import vm from "node:vm";
import { readFileSync } from "node:fs";
const web = { console, setTimeout, clearTimeout, setInterval, clearInterval, MessageChannel, performance, queueMicrotask, URL };
const context = vm.createContext(web);
for (const name of ["process", "setImmediate", "require", "Buffer"]) {
  if (vm.runInContext(\`typeof \${name}\`, context) !== "undefined") throw new Error(\`the web context has \${name}\`);
}
const mod = new vm.SourceTextModule(readFileSync(process.argv[2], "utf8"), {
  context,
  initializeImportMeta: (meta) => void (meta.url = "http://127.0.0.1/browser.bundle.js"), // as a page serves it
});
await mod.link(() => { throw new Error("the bundle imports a module"); });
await mod.evaluate();
`;

const strict = {
  strict: true,
  skipLibCheck: false,
  target: "es2022",
  lib: ["es2022"],
  // TypeScript 6 loads no @types by default: the package must say what it needs.
  types: [],
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  verbatimModuleSyntax: true,
};

step("typecheck the consumer: moduleResolution nodenext, strict, skipLibCheck false", () => {
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { ...strict, module: "nodenext", moduleResolution: "nodenext", outDir: "out", rootDir: "src" }, include: ["src"] }, null, 2),
  );
  node([bin("typescript", "bin/tsc"), "-p", "tsconfig.json"], project);
});

step("typecheck the consumer: moduleResolution bundler, strict, skipLibCheck false", () => {
  writeFileSync(
    join(project, "tsconfig.bundler.json"),
    JSON.stringify({ compilerOptions: { ...strict, module: "preserve", moduleResolution: "bundler", noEmit: true }, include: ["src"] }, null, 2),
  );
  node([bin("typescript", "bin/tsc"), "-p", "tsconfig.bundler.json"], project);
});

step("typecheck a web consumer: asyncio-ts/core, and the \"browser\" condition, with the DOM's types and none of Node's", () => {
  writeFileSync(
    join(project, "tsconfig.web.json"),
    JSON.stringify(
      {
        compilerOptions: { ...strict, lib: ["es2022", "esnext.disposable", "dom"], module: "preserve", moduleResolution: "bundler", customConditions: ["browser"], noEmit: true },
        files: ["web/core_exports.ts", "src/browser.ts"],
      },
      null,
      2,
    ),
  );
  const files = node([bin("typescript", "bin/tsc"), "-p", "tsconfig.web.json", "--listFiles"], project).split("\n");
  const nodeTypes = files.filter((f) => f.includes("/@types/node/"));
  if (nodeTypes.length > 0) throw new Error(`the web consumer loaded Node's types: ${nodeTypes.slice(0, 3).join(", ")} ...`);
  if (!files.some((f) => f.endsWith(`${pkg.name}/dist/portable.d.ts`))) throw new Error("the \"browser\" condition did not resolve asyncio-ts to dist/portable.d.ts");
});

step("bundle consumer/browser.ts for the browser with esbuild, and run it with no process, no setImmediate, no Node module", () => {
  // esbuild refuses a Node built-in when bundling for the browser, so this also proves none is reachable.
  buildSync({ absWorkingDir: project, entryPoints: [join("src", "browser.ts")], bundle: true, platform: "browser", format: "esm", outfile: join("out", "browser.bundle.js"), logLevel: "silent" });
  const bundle = readFileSync(join(project, "out", "browser.bundle.js"), "utf8");
  if (/ProcessPoolExecutor|createConnection/.test(bundle)) throw new Error("the browser bundle holds networking or executors: the \"browser\" condition did not pick asyncio-ts/core");
  writeFileSync(join(project, "web_host.mjs"), WEB_HOST);
  const out = node(["--experimental-vm-modules", "--no-warnings", "web_host.mjs", join("out", "browser.bundle.js")], project);
  if (!out.includes("ok: browser")) throw new Error(out);
});

const programs = readdirSync(consumerSources)
  .filter((f) => f.endsWith(".ts") && !["jobs.ts", "bullmq_jobs.ts", "types.ts", "lint_target.ts", "inspected.ts"].includes(f))
  .map((f) => f.slice(0, -3));
for (const name of programs) {
  step(`run with plain node: ${name}`, () => {
    const out = node([join("out", `${name}.js`)], project);
    if (!/^ok: /m.test(out)) throw new Error(`no "ok:" line in its output:\n${out}`);
  });
}

step("run with plain node: pool threads print everything, each line before its job's result, 20 times", () => {
  for (let run = 1; run <= 20; run++) {
    const lines = node([join("out", "printing.js")], project).split("\n");
    for (let i = 0; i < 10; i++) {
      const said = lines.indexOf(`job ${i}`);
      const seen = lines.indexOf(`result ${i}`);
      if (said < 0 || seen < 0 || said > seen) throw new Error(`run ${run}: job ${i} printed at line ${said}, its result at line ${seen}:\n${lines.join("\n")}`);
    }
  }
});

step("npx asyncio-ts ps and pstree PID: the installed command reads a running consumer's tasks", () => {
  // The target runs with plain node; the command is the package's bin, as npx runs it.
  const out = join(work, "inspected.out");
  writeFileSync(out, "");
  const target = spawn(process.execPath, ["--inspect-port=0", join("out", "inspected.js")], { cwd: project, stdio: ["pipe", openSync(out, "w"), "ignore"] });
  try {
    const deadline = Date.now() + 15_000;
    while (!readFileSync(out, "utf8").includes("ready")) {
      if (Date.now() > deadline) throw new Error(`the target never said it was ready: ${readFileSync(out, "utf8")}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
    const command = join(project, "node_modules", ".bin", "asyncio-ts");
    const table = sh(command, ["ps", String(target.pid)], project).split("\n");
    const rows = table.slice(2).filter(Boolean).map((l) => l.split(/ {2,}/).filter(Boolean).join(" | "));
    const expected = ["0 | 0x1 | Task-1 | main | 0x0", "0 | 0x2 | worker-a | work | main | Task-1 | 0x1", "0 | 0x3 | worker-b | work | main | Task-1 | 0x1"];
    if (JSON.stringify(rows) !== JSON.stringify(expected)) throw new Error(`ps printed:\n${table.join("\n")}`);
    const tree = sh(command, ["pstree", String(target.pid)], project).replaceAll(join(project, "out", "inspected.js"), "inspected.js");
    if (!/^└── \(T\) Task-1\n {4}└── {2}main inspected\.js:\d+\n {8}├── \(T\) worker-a\n {8}│ {3}└── {2}work inspected\.js:\d+\n {8}└── \(T\) worker-b\n {12}└── {2}work inspected\.js:\d+\n$/.test(tree)) {
      throw new Error(`pstree printed:\n${tree}`);
    }
  } finally {
    target.kill(); // a synchronous step cannot see it exit by itself (that comes through the event loop)
  }
});

step("run with plain node: a CommonJS consumer require()s the package", () => {
  const out = node([join("src", "require.cjs")], project);
  if (!out.includes("ok: require")) throw new Error(out);
});

step("publint --strict", () => {
  node([bin("publint", "src/cli.js"), "run", tarball, "--strict"], root);
});

step("@arethetypeswrong/cli", () => {
  // cjs-resolves-to-esm: `require()` of an ES module is what Node 20.19+ and 22.12+ do, and the
  // CommonJS consumer above runs it; attw's TypeScript predates require(esm).
  node([bin("@arethetypeswrong/cli", "dist/index.js"), tarball, "--no-definitely-typed", "--ignore-rules", "cjs-resolves-to-esm", "--format", "ascii"], root);
});

step("source maps carry the sources they name", () => {
  const bad: string[] = [];
  for (const map of filesUnder(installed).filter((f) => f.endsWith(".map"))) {
    const m = JSON.parse(readFileSync(map, "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
    m.sources.forEach((src, i) => {
      if (typeof m.sourcesContent?.[i] !== "string" && !existsSync(resolve(dirname(map), src))) bad.push(`${relative(installed, map)}: ${src}`);
    });
  }
  if (bad.length > 0) throw new Error(`sources neither embedded nor shipped:\n${bad.join("\n")}`);
});

step("every relative link in the shipped Markdown resolves inside the package", () => {
  const bad: string[] = [];
  for (const md of filesUnder(installed).filter((f) => f.endsWith(".md"))) {
    for (const [, target] of readFileSync(md, "utf8").matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target!) || target!.startsWith("#")) continue;
      const path = resolve(dirname(md), decodeURIComponent(target!.split("#")[0]!));
      if (!path.startsWith(installed) || !existsSync(path)) bad.push(`${relative(installed, md)}: ${target}`);
    }
  }
  if (bad.length > 0) throw new Error(`dead links:\n${bad.join("\n")}`);
});

step("docs/api is current (npm run docs regenerates it)", () => {
  const fresh = join(work, "api");
  node([bin("typedoc", "bin/typedoc"), "--out", fresh, "--logLevel", "Warn"], root);
  const committed = join(root, "docs", "api");
  const list = (dir: string): string[] => (existsSync(dir) ? filesUnder(dir).map((f) => relative(dir, f)).sort() : []);
  const differ = [...new Set([...list(fresh), ...list(committed)])].filter((f) => {
    const a = join(fresh, f);
    const b = join(committed, f);
    return !existsSync(a) || !existsSync(b) || readFileSync(a, "utf8") !== readFileSync(b, "utf8");
  });
  if (differ.length > 0) throw new Error(`docs/api differs from the source's TSDoc in: ${differ.join(", ")} (run npm run docs)`);
});

// -- the clone a contributor gets -------------------------------------------------------------

step("examples import the package by its name", () => {
  const examples = join(root, "examples");
  const bad = filesUnder(examples)
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) => [...readFileSync(f, "utf8").matchAll(/from\s+"([^"]*\/src\/[^"]*)"/g)].map((m) => `${relative(root, f)}: ${m[1]}`));
  if (bad.length > 0) throw new Error(`examples import the source instead of "asyncio-ts":\n${bad.join("\n")}`);
});

step("the tour's usage lines name examples that exist", () => {
  const tour = join(root, "examples", "tour.ts");
  const usages = [...readFileSync(tour, "utf8").matchAll(/`npm start -- ([^`]+)`/g)].map((m) => m[1]!);
  if (usages.length === 0) throw new Error("examples/tour.ts shows no `npm start -- NAME` usage");
  const listed = node(["--import", "tsx", tour, "--list"], root)
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter(Boolean);
  // A name is an example, or a tutorial's number (the prefix of its examples); NAME and --flags are not names.
  const known = (name: string): boolean => listed.includes(name) || listed.some((l) => l.startsWith(`${name}_`));
  const missing = usages.flatMap((u) => u.split(/\s+/).filter((n) => !/^(--|[A-Z.]+$)/.test(n) && !known(n)));
  if (missing.length > 0) throw new Error(`the tour suggests examples it does not have: ${missing.join(", ")}`);
});

rmSync(work, { recursive: true, force: true });
if (failures.length > 0) {
  console.log(`\n${failures.length} check(s) failed: ${failures.join("; ")}`);
  process.exit(1);
}
console.log("\nthe package is what users need");
