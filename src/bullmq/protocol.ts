/**
 * What the executor and the workers agree on, beside BullMQ's own layout: the shape of a job's
 * data, where a cancellation travels, and how both open their Redis connections.
 *
 * A job is an ordinary BullMQ job, readable by any BullMQ tool: its name is the exported
 * function's name and its data is `{ module, export, args, timeout? }`, all JSON. Its result is
 * BullMQ's `returnvalue`; its failure is BullMQ's `failedReason` (the message) and `stacktrace`
 * (the worker's stack, whose first line names the error's class: see errors.ts).
 *
 * Cancelling a running job (BullMQ can only cancel a job in the worker's own process) takes two
 * paths, so that neither a missed message nor a re-run misses it: a PUBLISH on the queue's cancel
 * channel, which every worker subscribes to and answers by aborting the job if it runs it, and a
 * key `<prefix>:<queue>:asyncio-ts:cancel:<id>` that a worker checks when it starts a job that
 * ran before (a re-run after a stall) and for the jobs it runs when its subscription comes back.
 */

import { ValueError } from "asyncio-ts";
import type { ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";

/** The data of a job the executor adds (the job's name is `export`). */
export interface JobData {
  /** The module's URL (`file:`) or package name, as `workerFunction` normalized it. */
  readonly module: string;
  /** The exported function's name. */
  readonly export: string;
  /** The arguments, JSON. */
  readonly args: unknown[];
  /** Seconds the job may run, counted from its start; absent for no limit. */
  readonly timeout?: number;
}

/** The default queue name of the executor and the worker. */
export const DEFAULT_QUEUE = "asyncio-ts";
/** BullMQ's default key prefix. */
export const DEFAULT_PREFIX = "bull";
/** The default Redis, as BullMQ's. */
export const DEFAULT_REDIS = "redis://127.0.0.1:6379";
/** How long a cancellation marker outlives the cancel (seconds): longer than any job should stall. */
export const CANCEL_MARKER_TTL = 24 * 3600;

/** The channel cancellations of running jobs are published on. */
export function cancelChannel(prefix: string, queue: string): string {
  return `${prefix}:${queue}:asyncio-ts:cancel`;
}

/** The key that marks job `id` cancelled. */
export function cancelKey(prefix: string, queue: string, id: string): string {
  return `${prefix}:${queue}:asyncio-ts:cancel:${id}`;
}

/** How to reach Redis: a URL (`redis://[:password@]host:port/db`, `rediss://` for TLS) or ioredis's options (`{ path }` for a Unix socket). */
export type RedisConnection = string | RedisOptions;

/**
 * BullMQ's connection options for `connection`. `maxRetriesPerRequest: null` makes a command wait
 * for Redis to come back instead of failing after 20 tries (BullMQ requires it of workers; the
 * executor wants it too, so a Redis restart delays its futures rather than failing them).
 */
export function bullConnection(connection: RedisConnection): ConnectionOptions {
  if (typeof connection === "string") return { url: connection, maxRetriesPerRequest: null };
  // ioredis's options are what BullMQ's RedisOptions take; BullMQ's type is its own copy of them.
  return { ...connection, maxRetriesPerRequest: null } as ConnectionOptions;
}

/** A connection of our own (control commands, the cancel channel), with the same settings. */
export function openRedis(connection: RedisConnection, name: string): Redis {
  const redis =
    typeof connection === "string"
      ? new Redis(connection, { maxRetriesPerRequest: null, connectionName: name })
      : new Redis({ ...connection, maxRetriesPerRequest: null, connectionName: name });
  return redis;
}

/** Where `connection` points, for messages (no password). */
export function describeConnection(connection: RedisConnection): string {
  if (typeof connection === "string") {
    try {
      const url = new URL(connection);
      url.password = "";
      url.username = "";
      return url.href;
    } catch {
      return "the Redis URL given";
    }
  }
  if (connection.path !== undefined) return `unix:${connection.path}`;
  return `redis://${connection.host ?? "127.0.0.1"}:${connection.port ?? 6379}`;
}

/** Checks a duration in seconds (positive, finite) and returns it. */
export function checkSeconds(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ValueError(`\`${name}\` must be a positive finite number of seconds, got ${String(value)}`);
  }
  return value;
}
