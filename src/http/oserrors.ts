/**
 * Node's socket errors as the project's OS error classes, with the request's URL in the message
 * (`ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 1) (GET http://...)`).
 *
 * The package keeps its own converter in src/net/errors.ts, which is not among its public names;
 * this entry point reaches the rest only through those, so it maps the codes HTTP meets itself,
 * onto the same exported classes and with Linux's `strerror` texts, as that converter does.
 */

import { constants } from "node:os";
import { getSystemErrorMap } from "node:util";
import {
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  GaiError,
  OSError,
  PermissionError,
} from "asyncio-ts";

type OSErrorClass = new (errno: number | null, strerror: string, options?: { code?: string | null; cause?: unknown }) => OSError;

const CLASSES: Record<string, OSErrorClass> = {
  ECONNRESET: ConnectionResetError,
  EPIPE: BrokenPipeError,
  ECONNREFUSED: ConnectionRefusedError,
  ECONNABORTED: ConnectionAbortedError,
  EACCES: PermissionError,
  EPERM: PermissionError,
};

/** Linux's `strerror` texts for the codes sockets meet (Python's messages). */
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
  EACCES: "Permission denied",
};

let systemErrors: Map<number, [string, string]> | null = null;

function strerror(code: string, errno: number): string {
  const linux = STRERROR[code];
  if (linux !== undefined) return linux;
  systemErrors ??= getSystemErrorMap();
  const text = systemErrors.get(-errno)?.[1] ?? code;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The OS error for what Node raised, its message ending with `(context)`: an `OSError` subclass
 * for a system error, `ConnectionResetError` for Node's "socket hang up" (the peer closed before
 * answering), and null when `e` is neither (the caller keeps it).
 * @param e what Node emitted. @param text the text after `[Errno N] `, by default `strerror`'s.
 * @param context what was being done, such as `GET http://127.0.0.1:8000/`.
 */
export function toOSError(e: unknown, context: string, text?: string): OSError | null {
  if (e instanceof OSError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return null;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_FAIL" || code === "EAI_NONAME") {
    return new GaiError(code === "EAI_AGAIN" ? -3 : -2, `${code === "EAI_AGAIN" ? "Temporary failure in name resolution" : "Name or service not known"} (${context})`, { code, cause: e });
  }
  if (!(code in constants.errno)) return null;
  const errno = (constants.errno as Record<string, number>)[code]!;
  const Class = CLASSES[code] ?? OSError;
  // Node's "socket hang up": the server closed the connection before its answer.
  const said = text ?? ((e as Error).message === "socket hang up" ? "Server disconnected before answering" : strerror(code, errno));
  return new Class(errno, `${said} (${context})`, { code, cause: e });
}
