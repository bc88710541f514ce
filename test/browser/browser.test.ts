/**
 * asyncio-ts/core in a browser: the tour (tour.ts), bundled by esbuild as a web project would
 * (build.ts), served from 127.0.0.1 and opened in headless Chromium (Debian's, driven by
 * playwright-core); the page runs every example that needs only asyncio-ts/core, in the page and
 * in a Web Worker at once, and this test reads back what the page shows. .ci/run installs
 * Chromium when it is missing; elsewhere, without /usr/bin/chromium the test is skipped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";
import { buildTour } from "./build.ts";

const CHROMIUM = "/usr/bin/chromium";
// What this machine's Chromium needs to start headless as root with no network but loopback.
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".json": "application/json" };

function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    const file = path.endsWith("/") ? join(path, "index.html") : path;
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const skip = !existsSync(CHROMIUM) && process.env.CI === undefined ? `no ${CHROMIUM} (apt-get install chromium; .ci/run does)` : false;

test("the tour runs in headless Chromium, in the page and in a Web Worker: every example asyncio-ts/core can run matches its Python original, and the browser's own events are never starved", { skip, timeout: 240_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), "asyncio-ts-browser-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const manifest = await buildTour(out);
  const runnable = manifest.filter((e) => e.bundle !== undefined).map((e) => e.name);
  // The programs of the core: the event loop, tasks, gather, wait, futures, queues.
  for (const name of ["000_01_hello_world", "001_03_create_task", "002_04_run_forever", "003_04_crawler_concurrent", "interleave"]) assert.ok(runnable.includes(name), `${name} bundles for the browser`);
  for (const name of ["000_02_run_in_executor", "004_03_wget", "web_demo"]) assert.ok(!runnable.includes(name), `${name} needs Node, and is not in the browser tour`);

  const server = await serve(out);
  t.after(() => server.close());
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForSelector("body[data-done=true]", { timeout: 200_000 });
  const shown = { page: await page.locator("#tour").innerText(), worker: await page.locator("#worker").innerText() };
  assert.deepEqual(errors, []);

  for (const [where, text] of Object.entries(shown)) {
    const lines = text.split("\n");
    const verdict = (name: string): string | undefined => lines.find((l) => l.startsWith(`--- ${name}: `));
    // As on Node: each matches its transcript, or differs only on the lines _tutorials.ts lists.
    const known = manifest.filter((e) => (e.differences ?? []).length > 0).map((e) => e.name);
    for (const name of runnable) {
      const expected = known.includes(name) ? /: did not match the Python original, but only where asyncio-ts is known to print otherwise: / : /: matched the Python original, /;
      assert.match(verdict(name) ?? `--- ${name}: no verdict`, expected, `${where}: ${name}\n${text}`);
    }
    const summary = `${runnable.length - known.length} of ${runnable.length} matched in ${where === "page" ? "the page" : "a Web Worker"}; ${known.length} differ only where asyncio-ts is known to print otherwise`;
    assert.ok(lines.includes(summary), `no line "${summary}" in:\n${text}`);
    // What the tour shows, read back: 000_01 prints "hello", then " world" a second later.
    const hello = lines.indexOf("=== 000_01_hello_world ===");
    assert.deepEqual(lines.slice(hello + 1, hello + 4), ["hello", " world", lines[hello + 3]]);
    assert.match(lines[hello + 3]!, /^--- 000_01_hello_world: matched the Python original, 1\.\d\d s$/);
    assert.ok(lines.some((l) => l === "=== 000_02_run_in_executor: not in the browser tour: it uses ThreadPoolExecutor, which asyncio-ts/core does not have"));

    // While a task spun on sleep(0) for 1 s, the browser's timers (clamped to 4 ms once nested),
    // network answers and, in the page, animation frames kept coming. Without the loop's yields
    // there would be none: each is counted when the spin ends. The bounds are low because a
    // loaded machine slows the browser's other processes (its network service, this server).
    const spin = /^while a task spun on sleep\(0\) for 1 s: (\{.*\})$/m.exec(text);
    assert.ok(spin !== null, text);
    const hold = JSON.parse(spin[1]!) as Record<string, number>;
    assert.ok(hold.switches! > 10_000, `${where}: ${spin[1]}`);
    assert.ok(hold.timers! >= 10, `${where}: ${spin[1]}`);
    assert.ok(hold.fetched! >= 1, `${where}: ${spin[1]}`);
    if (where === "page") assert.ok(hold.frames! >= 5, `${where}: ${spin[1]}`);
  }
});
