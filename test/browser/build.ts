/**
 * Builds the browser tour (tour.ts) into a folder to serve: the page, the tour's own bundle, one
 * bundle per example, and manifest.json. Each example is bundled with esbuild for the browser
 * exactly as a web project would bundle it, with `asyncio-ts` resolved to asyncio-ts/core
 * (tsconfig.portable.json's paths, as the "browser" export condition does for the package); an
 * example esbuild cannot bundle that way (it imports a Node module, or a name asyncio-ts/core
 * does not have) is listed in the manifest with the reason, and the page says so.
 *
 *   node --import tsx test/browser/build.ts OUT_DIR    builds; open OUT_DIR/index.html from a server
 */
import { build, type Message } from "esbuild";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expectedTranscript } from "../../examples/_transcript.ts";
import { tutorials, withDifferences } from "../../examples/seeds/_tutorials.ts";
import type { TourEntry } from "./manifest.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const examples = join(root, "examples");

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>asyncio-ts: the tour in a browser</title></head>
<body>
<h1>asyncio-ts/core: the tour in a browser</h1>
<h2>In the page</h2>
<pre id="tour"></pre>
<h2>In a Web Worker</h2>
<pre id="worker"></pre>
<script type="module" src="./tour.js"></script>
</body>
</html>
`;

/** What esbuild's first error says, as a reason a person reads. */
function reason(errors: Message[]): string {
  const text = errors[0]?.text ?? "esbuild failed";
  const missing = /No matching export in "[^"]*" for import "([^"]+)"/.exec(text);
  if (missing !== null) return `it uses ${missing[1]}, which asyncio-ts/core does not have`;
  const module = /Could not resolve "([^"]+)"/.exec(text);
  if (module !== null) return `it imports ${module[1]}, which browsers do not have`;
  return text;
}

async function bundle(entry: string, outfile: string): Promise<Message[]> {
  try {
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      tsconfig: join(root, "tsconfig.portable.json"),
      logLevel: "silent",
    });
    return [];
  } catch (e) {
    return (e as { errors?: Message[] }).errors ?? [{ text: String(e) } as Message];
  }
}

/** Builds the tour into `out` and returns its manifest. */
export async function buildTour(out: string): Promise<TourEntry[]> {
  mkdirSync(join(out, "examples"), { recursive: true });
  const tourErrors = await bundle(fileURLToPath(new URL("./tour.ts", import.meta.url)), join(out, "tour.js"));
  if (tourErrors.length > 0) throw new Error(`the tour itself does not bundle for the browser: ${tourErrors[0]!.text}`);
  const programs = tutorials.flatMap((t) => t.programs).filter((p) => p.needs === undefined);
  const others = readdirSync(join(examples, "expected"))
    .filter((f) => f.endsWith(".txt"))
    .map((f) => f.slice(0, -4))
    .sort();
  const candidates = [
    ...programs.map((p) => ({ name: p.name, file: join(examples, "seeds", `${p.name}.ts`), program: p })),
    ...others.map((name) => ({ name, file: join(examples, `${name}.ts`), program: undefined })),
  ].filter((c) => existsSync(c.file));
  const manifest: TourEntry[] = [];
  for (const { name, file, program } of candidates) {
    const errors = await bundle(file, join(out, "examples", `${name}.js`));
    if (errors.length > 0) {
      manifest.push({ name, excluded: reason(errors) });
      continue;
    }
    const expected = expectedTranscript(file);
    manifest.push({
      name,
      bundle: `./examples/${name}.js`,
      transcript: expected === null || program === undefined ? expected : withDifferences(expected, program),
      differences: [...new Set((program?.differences ?? []).map((d) => d.why))],
    });
  }
  writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2));
  writeFileSync(join(out, "index.html"), PAGE);
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (out === undefined) {
    console.error("usage: node --import tsx test/browser/build.ts OUT_DIR");
    process.exit(2);
  }
  const manifest = await buildTour(out);
  console.log(`${manifest.filter((e) => e.bundle !== undefined).length} examples bundled for the browser, ${manifest.filter((e) => e.bundle === undefined).length} not; open ${join(out, "index.html")} from a server`);
}
