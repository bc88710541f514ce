/**
 * The Node built-ins the layers under networking use where the host has them (util.inspect for
 * reprs; in debug mode, node:inspector, source maps, paths and the watchdog's thread), handed to
 * core/host.ts by asyncio-ts's Node entry point, which loads this module. Those layers import no
 * Node module themselves, so asyncio-ts/core loads in browsers; without this module (asyncio-ts/core
 * on Node) they find the same modules with `process.getBuiltinModule` (Node 20.16 and later).
 */
import * as inspector from "node:inspector";
import * as module from "node:module";
import * as path from "node:path";
import * as url from "node:url";
import * as util from "node:util";
import * as workerThreads from "node:worker_threads";
import { _provideHostModule } from "../core/host.ts";

const MODULES: Record<string, unknown> = {
  "node:inspector": inspector,
  "node:module": module,
  "node:path": path,
  "node:url": url,
  "node:util": util,
  "node:worker_threads": workerThreads,
};
for (const [name, value] of Object.entries(MODULES)) _provideHostModule(name, value);
