/**
 * Where the runtimes the suite also runs on are: Bun and Deno, installed from npm by the lock file
 * (dev dependencies `bun` and `deno`, whose platform packages hold the binaries), so CI needs
 * nothing else. Each package's install script moves its binary into the main package; where
 * install scripts did not run, the binary is still in the platform package.
 */
import { existsSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The runtimes besides Node. */
export type OtherRuntime = "bun" | "deno";

const modules = fileURLToPath(new URL("../../node_modules/", import.meta.url));

/** Where each package may have put its binary, most likely first. */
const CANDIDATES: Record<OtherRuntime, string[]> = {
  bun: ["bun/bin/bun.exe", `@oven/bun-${process.platform}-${process.arch}/bin/bun`, `@oven/bun-${process.platform}-${process.arch}-baseline/bin/bun`],
  deno: ["deno/deno", `@deno/${process.platform}-${process.arch}-glibc/deno`, `@deno/${process.platform}-${process.arch}/deno`],
};

/** The path of the runtime's binary; throws, saying what to install, when there is none. */
export function binaryOf(runtime: OtherRuntime): string {
  for (const candidate of CANDIDATES[runtime]) {
    const path = modules + candidate;
    // bun.exe is a placeholder of a few hundred bytes until the install script puts the binary there.
    if (existsSync(path) && statSync(path).size > 1_000_000) return path;
  }
  throw new Error(`no ${runtime} binary under node_modules (looked for ${CANDIDATES[runtime].join(", ")}): run npm ci`);
}

/** What `runtime --version` prints, first line. */
export function versionOf(runtime: OtherRuntime): string {
  const r = spawnSync(binaryOf(runtime), ["--version"], { encoding: "utf8" });
  return r.stdout.split("\n")[0]!.trim();
}
