/**
 * `asyncio-ts/testing` where Node is not (the "browser" export condition): the virtual clock and
 * `waitAllTasksBlocked`. `asyncioTest` watches Node's handles with `node:async_hooks`, which a
 * browser lacks, so it is Node's (and Bun's and Deno's) only.
 * @module asyncio-ts/testing
 */

export { VirtualClock, waitAllTasksBlocked } from "./clock.ts";
