/**
 * The tour in a browser: the page (and, in the same module, a Web Worker) runs every example that
 * needs only asyncio-ts/core, one after the other, shows what each prints and whether it matched
 * the transcript of its Python original, as `npm start` does on Node. build.ts bundled each
 * example for the browser on its own (a program of its own, as the Node tour starts a process per
 * example) and wrote manifest.json: the examples, their transcripts, and those that could not be
 * bundled for the web and why. browser.test.ts opens the page in headless Chromium and reads back
 * what it shows.
 *
 * The page also checks that the loop never starves the browser: while a task spins on `sleep(0)`,
 * a chain of timers, animation frames and a fetch still get their turns.
 */
import { compareTranscript } from "../../examples/_compare.ts";
import { portableFormat } from "../../src/core/repr.ts";
import { run, sleep, type Coroutine } from "asyncio-ts";
import type { TourEntry } from "./manifest.ts";

const inWorker = typeof document === "undefined";

/** Where the tour's lines go: the page's `<pre>`, or the page, from a worker. */
function output(): (line: string) => void {
  if (inWorker) return (line) => postMessage({ line });
  const pre = document.getElementById("tour")!;
  return (line) => void pre.append(`${line}\n`);
}

/** What Node's console.log prints for its arguments: strings as they are, the rest as util.inspect shows them. */
function formatArgs(args: unknown[]): string {
  return args.map((a) => (typeof a === "string" ? a : portableFormat(a))).join(" ");
}

async function runTour(say: (line: string) => void): Promise<void> {
  const entries = (await (await fetch(new URL("./manifest.json", import.meta.url))).json()) as TourEntry[];
  const where = inWorker ? "a Web Worker" : "the page";
  say(`##### the tour in ${where}: ${navigator.userAgent}`);
  const verdicts: [string, string][] = [];
  const log = console.log;
  for (const entry of entries) {
    if (entry.bundle === undefined) {
      say(`\n=== ${entry.name}: not in the browser tour: ${entry.excluded}`);
      continue;
    }
    say(`\n=== ${entry.name} ===`);
    let printed = "";
    console.log = (...args: unknown[]) => {
      const line = formatArgs(args);
      printed += `${line}\n`;
      say(line);
    };
    const t0 = performance.now();
    let verdict: string;
    try {
      await import(new URL(entry.bundle, import.meta.url).href);
      const diff = entry.transcript == null ? null : compareTranscript(entry.transcript, printed);
      if (diff !== null) verdict = `did NOT match the Python original (${diff})`;
      else if (entry.transcript == null) verdict = "ran (it has no transcript)";
      else if ((entry.differences ?? []).length > 0) verdict = `did not match the Python original, but only where asyncio-ts is known to print otherwise: ${entry.differences!.join("; ")}`;
      else verdict = "matched the Python original";
    } catch (e) {
      verdict = `failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
    } finally {
      console.log = log;
    }
    verdicts.push([entry.name, verdict]);
    say(`--- ${entry.name}: ${verdict}, ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  }
  const count = (prefix: string): number => verdicts.filter(([, v]) => v.startsWith(prefix)).length;
  const differs = count("did not match the Python original, but only");
  say(`\n${count("matched")} of ${verdicts.length} matched in ${where}${differs > 0 ? `; ${differs} differ only where asyncio-ts is known to print otherwise` : ""}`);
}

/** How many turns the browser's own events got while a task spun on `sleep(0)` for `ms`. */
async function starvation(ms: number): Promise<Record<string, number>> {
  let timers = 0;
  let frames = 0;
  let fetched = 0;
  let spinning = true;
  const tick = (): void => {
    timers++;
    if (spinning) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  const frame = (): void => {
    frames++;
    if (spinning) requestAnimationFrame(frame);
  };
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(frame);
  const poll = async (): Promise<void> => {
    while (spinning) {
      await fetch(new URL("./manifest.json", import.meta.url), { cache: "no-store" });
      fetched++;
    }
  };
  const polling = poll();
  const switches = await run(function* (): Coroutine<number> {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      yield* sleep(0);
      n++;
    }
    return n;
  });
  spinning = false;
  // What came during the spin; the fetch in flight may end after it.
  const seen = typeof requestAnimationFrame === "function" ? { switches, timers, frames, fetched } : { switches, timers, fetched };
  await polling;
  return seen;
}

async function main(): Promise<void> {
  const say = output();
  const hold = await starvation(1000);
  say(`while a task spun on sleep(0) for 1 s: ${JSON.stringify(hold)}`);
  await runTour(say);
}

if (inWorker) {
  main().then(
    () => postMessage({ done: true }),
    (e: unknown) => postMessage({ line: `tour failed: ${String(e)}`, done: true }),
  );
} else {
  const workerPre = document.getElementById("worker")!;
  const worker = new Worker(new URL(import.meta.url), { type: "module" });
  const workerDone = new Promise<void>((resolve) => {
    worker.onmessage = (event: MessageEvent<{ line?: string; done?: boolean }>) => {
      if (event.data.line !== undefined) workerPre.append(`${event.data.line}\n`);
      if (event.data.done === true) resolve();
    };
    worker.onerror = (event) => {
      workerPre.append(`worker failed: ${event.message}\n`);
      resolve();
    };
  });
  const pageDone = main().catch((e: unknown) => output()(`tour failed: ${String(e)}`));
  void Promise.all([pageDone, workerDone]).then(() => document.body.setAttribute("data-done", "true"));
}
