/**
 * The documentation and the public surface, read with the TypeScript compiler: every value that
 * an entry point of the package exports has TSDoc with an `@example`, every public method
 * of an exported class has TSDoc, and the lists of value exports of the root and of
 * `asyncio-ts/http` are deliberate ones.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const INDEX = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const TESTING = fileURLToPath(new URL("../src/testing/index.ts", import.meta.url));
const HTTP = fileURLToPath(new URL("../src/http/index.ts", import.meta.url));
/** Every entry point of the package and its source, as tsconfig.json maps them for the tests. */
const ENTRIES: [string, string][] = Object.entries(
  (JSON.parse(readFileSync(new URL("../tsconfig.json", import.meta.url), "utf8")) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths,
).map(([name, [path]]) => [name, fileURLToPath(new URL(`../${path}`, import.meta.url))]);

const program = ts.createProgram(ENTRIES.map(([, file]) => file), {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  noEmit: true,
  strict: true,
  skipLibCheck: true,
  types: ["node"],
});
const checker = program.getTypeChecker();

interface ValueExport {
  name: string;
  declarations: ts.Declaration[];
}

/** The value exports of `file` (classes, functions, constants), resolved to their declarations; types are left out. */
/** The value exports of `file`: the public ones, or with `internal` those named `_x`, for the package's own entry points. */
function valueExports(file: string, internal = false): ValueExport[] {
  const source = program.getSourceFile(file);
  assert.ok(source, `${file} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  assert.ok(moduleSymbol, `${file} is not a module`);
  const result: ValueExport[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const isAlias = (exported.flags & ts.SymbolFlags.Alias) !== 0;
    // `export type { X }` and `export { type X }` export no value, even when X is a class.
    const typeOnly = isAlias && (exported.declarations ?? []).some((d) => ts.isTypeOnlyImportOrExportDeclaration(d));
    if (typeOnly) continue;
    const target = isAlias ? checker.getAliasedSymbol(exported) : exported;
    if ((target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) === 0) continue;
    if (exported.name.startsWith("_") !== internal) continue;
    result.push({ name: exported.name, declarations: target.declarations ?? [] });
  }
  return result.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The JSDoc blocks attached to `node` (for a constant, the ones on its `const` statement). */
function docsOf(node: ts.Node): ts.JSDoc[] {
  return ts.getJSDocCommentsAndTags(node).filter((d): d is ts.JSDoc => ts.isJSDoc(d));
}

function hasText(doc: ts.JSDoc): boolean {
  return (ts.getTextOfJSDocComment(doc.comment) ?? "").trim() !== "";
}

function hasTag(doc: ts.JSDoc, tag: string): boolean {
  return (doc.tags ?? []).some((t) => t.tagName.text === tag);
}

/** What is wrong with the docs of one export (of an overloaded function, any signature may carry them). */
function exportProblems(e: ValueExport, where: string): string[] {
  const docs = e.declarations.flatMap(docsOf);
  if (docs.length === 0 || !docs.some(hasText)) return [`${where}: ${e.name} has no TSDoc`];
  if (!docs.some((d) => hasTag(d, "example"))) return [`${where}: ${e.name} has no @example`];
  return [];
}

/**
 * The TSDoc a member inherits, as editors show it: that of the same-named member of the nearest
 * base class that documents it.
 */
function inheritedDocs(decl: ts.ClassDeclaration, name: string): ts.JSDoc[] {
  const seen = new Set<ts.Type>();
  let bases = checker.getTypeAtLocation(decl).getBaseTypes?.() ?? [];
  while (bases.length > 0) {
    const next: ts.BaseType[] = [];
    for (const base of bases) {
      if (seen.has(base)) continue;
      seen.add(base);
      const docs = (base.getProperty(name)?.declarations ?? []).flatMap(docsOf);
      if (docs.some(hasText)) return docs;
      next.push(...(base.getBaseTypes?.() ?? []));
    }
    bases = next;
  }
  return [];
}

/** How many public methods `methodProblems` looked at: a guard against a check that sees nothing. */
let methodsChecked = 0;

/**
 * Public methods and accessors of an exported class with no TSDoc of their own nor inherited
 * (`_`-named and @internal ones are not public).
 */
function methodProblems(e: ValueExport, where: string): string[] {
  const problems: string[] = [];
  for (const decl of e.declarations) {
    if (!ts.isClassDeclaration(decl)) continue;
    const byName = new Map<string, ts.ClassElement[]>();
    for (const member of decl.members) {
      if (!ts.isMethodDeclaration(member) && !ts.isGetAccessorDeclaration(member)) continue;
      if (!ts.isIdentifier(member.name)) continue; // [Symbol.iterator], [inspect.custom], #private
      const name = member.name.text;
      if (name.startsWith("_") || name === "toString") continue;
      const flags = ts.getCombinedModifierFlags(member);
      if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
      byName.set(name, [...(byName.get(name) ?? []), member]);
    }
    for (const [name, members] of byName) {
      methodsChecked++;
      const docs = members.flatMap(docsOf);
      if (docs.some((d) => hasTag(d, "internal"))) continue;
      if (!docs.some(hasText) && !inheritedDocs(decl, name).some(hasText)) problems.push(`${where}: ${e.name}.${name}() has no TSDoc`);
    }
  }
  return problems;
}

/**
 * The value exports of the package root, sorted by code unit (capitals first). A change here is a
 * change of the public API: update API.md with it.
 */
const PUBLIC_VALUES = [
  "AF_INET", "AF_INET6", "AF_UNSPEC", "AI_ADDRCONFIG", "AI_ALL", "AI_CANONNAME", "AI_NUMERICHOST",
  "AI_NUMERICSERV", "AI_PASSIVE", "AI_V4MAPPED", "ALL_COMPLETED", "Barrier", "BaseProtocol", "BaseTransport",
  "BoundedSemaphore", "BrokenBarrierError", "BrokenExecutorError", "BrokenPipeError", "BufferedProtocol",
  "CancelledError", "ConcurrentFuture", "Condition", "ConnectionAbortedError", "ConnectionError",
  "ConnectionRefusedError", "ConnectionResetError", "Context", "ContextVar", "DEFAULT_HIGH_WATER",
  "DEFAULT_LIMIT", "DEVNULL", "DatagramProtocol", "DatagramTransport", "Event", "EventLoop",
  "ExceptionGroup", "FIRST_COMPLETED", "FIRST_EXCEPTION", "FileNotFoundError", "FlowControl", "FrameCallGraphEntry", "Future",
  "FutureCallGraph", "GaiError", "Handle", "INHERIT", "IPPROTO_TCP", "IPPROTO_UDP", "IncompleteReadError", "InvalidStateError",
  "JobSpec", "KeyboardInterrupt", "LifoQueue", "LimitOverrunError", "Lock", "LookupError", "MapResult", "OSError", "OverflowError",
  "PIPE", "PermissionError", "PriorityQueue", "Process", "ProcessLookupError", "ProcessPoolExecutor",
  "Protocol", "Queue", "QueueEmpty", "QueueFull", "QueueShutDown", "ReadPipeTransport", "ReadTransport",
  "Runner", "RuntimeError", "SOCK_DGRAM", "SOCK_RAW", "SOCK_STREAM", "STDOUT", "Semaphore", "Server",
  "ServerSocket", "StreamReader", "StreamReaderProtocol", "StreamWriter", "SubprocessPipesTransport",
  "SubprocessProtocol", "SubprocessTransport", "SystemExit", "Task", "TaskGroup", "ThreadPoolExecutor", "Timeout",
  "TimeoutError", "TimerHandle", "Token", "Transport", "UDPTransport", "ValueError", "WorkerFunction",
  "WritePipeTransport", "WriteTransport", "allTasks", "asCompleted", "cancellationSignal", "captureCallGraph", "copyContext", "createEagerTaskFactory", "createSubprocessExec",
  "createSubprocessShell", "createTask", "currentTask", "eagerTaskFactory", "ensureFuture", "formatCallGraph", "fromPromise",
  "futureAddToAwaitedBy", "futureDiscardFromAwaitedBy", "gather", "getEventLoop", "getRunningLoop", "isCancellation", "isCoroutine", "isCoroutineFunction",
  "isFuture", "newEventLoop", "openConnection", "openUnixConnection", "printCallGraph", "run", "setEventLoop", "shield",
  "sleep", "startServer", "startUnixServer", "taskGroup", "timeout", "timeoutAt", "toThread", "wait",
  "waitFor", "withJobOptions", "workerFunction", "wrapFuture",
];

test("every value exported from every entry point has TSDoc with an @example", () => {
  assert.ok(ENTRIES.length >= 3, `entry points: ${ENTRIES.map(([name]) => name).join(", ")}`);
  const problems = ENTRIES.flatMap(([name, file]) => valueExports(file).flatMap((e) => exportProblems(e, name)));
  assert.deepEqual(problems, []);
});

test("every public method of an exported class has TSDoc", () => {
  const problems = ENTRIES.flatMap(([name, file]) => valueExports(file).flatMap((e) => methodProblems(e, name)));
  assert.deepEqual(problems, []);
  assert.ok(methodsChecked > 200, `only ${methodsChecked} public methods were found`);
});

test("asyncio-ts/testing exports exactly asyncioTest, LeftoversError, VirtualClock and waitAllTasksBlocked", () => {
  assert.deepEqual(
    valueExports(TESTING).map((e) => e.name),
    ["LeftoversError", "VirtualClock", "asyncioTest", "waitAllTasksBlocked"],
  );
});

test("the value exports of asyncio-ts are exactly this list (a change to the public surface is deliberate)", () => {
  assert.deepEqual(valueExports(INDEX).map((e) => e.name), PUBLIC_VALUES);
});

test("asyncio-ts's internal exports, for its own entry points (asyncio-ts/http, asyncio-ts/testing, asyncio-ts/bullmq), are exactly these", () => {
  assert.deepEqual(valueExports(INDEX, true).map((e) => e.name), ["_checkOptions", "_optionKeys", "_rebuildError", "_toOSError", "_trackResource", "_untrackResource"]);
  for (const e of valueExports(INDEX, true)) assert.ok(e.declarations.every((d) => docsOf(d).some(hasText)), `${e.name} has no TSDoc`);
});

const HTTP_VALUES = [
  "AppRunner", "Application", "ClientError", "ClientResponse", "ClientResponseError", "ClientSession",
  "ClientTimeout", "ConnectionTimeoutError", "ContentTypeError", "HTTPBadRequest", "HTTPException",
  "HTTPForbidden", "HTTPGatewayTimeout", "HTTPInternalServerError", "HTTPMethodNotAllowed", "HTTPNotFound",
  "HTTPRequestEntityTooLarge", "HTTPRequestTimeout", "HTTPServiceUnavailable", "InvalidURL", "Request",
  "Response", "Route", "RouteTableDef", "ServerTimeoutError", "SocketTimeoutError", "StreamResponse",
  "TCPConnector", "TCPSite", "UrlDispatcher", "jsonResponse", "runApp",
];

test("the value exports of asyncio-ts/http are exactly this list (a change to the public surface is deliberate)", () => {
  assert.deepEqual(valueExports(HTTP).map((e) => e.name), HTTP_VALUES);
});
