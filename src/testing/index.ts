/// <reference types="node" preserve="true" />
/**
 * Tools for testing asyncio code (`asyncio-ts/testing`): `asyncioTest`, a test on its own loop
 * that fails on leftovers and deadlocks; a virtual clock; and `waitAllTasksBlocked`. This folder
 * reaches the rest of the package through its names (`from "asyncio-ts"`), as a user does.
 * @module asyncio-ts/testing
 */

export { VirtualClock, waitAllTasksBlocked } from "./clock.ts";
export { asyncioTest, LeftoversError, type AsyncioTestOptions } from "./case.ts";
