/**
 * Node's system errors turned into Python's OS errors (CPython raises `ConnectionResetError`,
 * `ConnectionRefusedError`, ... straight from the system call; Node gives an `Error` with a
 * `code` such as "ECONNRESET"). The Node error is kept as `cause`.
 */

import { constants } from "node:os";
import { getSystemErrorMap } from "node:util";
import {
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileNotFoundError,
  OSError,
  PermissionError,
  ProcessLookupError,
} from "../exceptions.ts";

/** The text of `strerror(errno)` on Linux for the codes sockets meet. */
const STRERROR: Record<string, string> = {
  ECONNRESET: "Connection reset by peer",
  EPIPE: "Broken pipe",
  ECONNREFUSED: "Connection refused",
  ECONNABORTED: "Software caused connection abort",
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ETIMEDOUT: "Connection timed out",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ENOTCONN: "Transport endpoint is not connected",
};

type OSErrorClass = new (errno: number | null, strerror: string, options?: { filename?: string | null; code?: string | null; cause?: unknown }) => OSError;

const CLASSES: Record<string, OSErrorClass> = {
  ECONNRESET: ConnectionResetError,
  EPIPE: BrokenPipeError,
  ECONNREFUSED: ConnectionRefusedError,
  ECONNABORTED: ConnectionAbortedError,
  ENOENT: FileNotFoundError,
  EACCES: PermissionError,
  EPERM: PermissionError,
  ESRCH: ProcessLookupError,
};

let systemErrors: Map<number, [string, string]> | null = null;

/** Linux's `strerror` text for `code` (Python's message), else libuv's, capitalized. */
function strerror(code: string, errno: number): string {
  const linux = STRERROR[code];
  if (linux !== undefined) return linux;
  systemErrors ??= getSystemErrorMap();
  const text = systemErrors.get(-errno)?.[1] ?? code;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** True for an error Node raised from a system call (it has a string `code` such as "EPIPE"). */
function systemCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && code in constants.errno ? code : null;
}

/**
 * The Python error for a Node socket error: `ConnectionResetError` for ECONNRESET and so on, an
 * `OSError` for other system errors, and the error itself when it is not a system error
 * (a TLS verification failure, say).
 * @param e what Node emitted.
 * @param text the text after `[Errno N] `; by default the system's text for the code.
 * @param filename the file or program the error is about (`FileNotFoundError: ... 'prog'`).
 * @param context what was being done, added to the text in parentheses (asyncio-ts/http says
 *   which request: `[Errno 111] Connection refused (GET http://127.0.0.1:1/)`).
 */
export function toOSError(e: unknown, text?: string, filename: string | null = null, context?: string): unknown {
  if (e instanceof OSError) return e;
  const code = systemCode(e);
  if (code === null) return e;
  const errno = (constants.errno as Record<string, number>)[code]!;
  const Class = CLASSES[code] ?? OSError;
  const said = text ?? strerror(code, errno);
  return new Class(errno, context === undefined ? said : `${said} (${context})`, { filename, code, cause: e });
}

/** CPython's wording for a failed connect: `[Errno 111] Connect call failed ('127.0.0.1', 1)`. */
export function connectError(e: unknown, address: string): unknown {
  return systemCode(e) === null ? e : toOSError(e, `Connect call failed ${address}`);
}

/** CPython's wording for a failed bind: `[Errno 98] error while attempting to bind on address ('h', p): address already in use`. */
export function bindError(e: unknown, address: string): unknown {
  const code = systemCode(e);
  if (code === null) return e;
  const text = (STRERROR[code] ?? (e as Error).message).toLowerCase();
  return toOSError(e, `error while attempting to bind on address ${address}: ${text}`);
}

/** Python's repr of an address tuple: `('127.0.0.1', 8080)`, or `'/tmp/sock'` for a Unix path. */
export function describeAddress(host: string | null | undefined, port?: number | null): string {
  if (port === undefined || port === null) return `'${host ?? ""}'`;
  return `('${host ?? ""}', ${port})`;
}
