/**
 * Node's socket errors as the project's OS error classes, with the request's URL in the message
 * (`ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 1) (GET http://...)`):
 * the package's own converter (`_toOSError`, exported for its entry points), plus what only HTTP
 * meets: a name that does not resolve, and Node's "socket hang up".
 */

import { GaiError, OSError, _toOSError } from "asyncio-ts";

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
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_FAIL" || code === "EAI_NONAME") {
    return new GaiError(code === "EAI_AGAIN" ? -3 : -2, `${code === "EAI_AGAIN" ? "Temporary failure in name resolution" : "Name or service not known"} (${context})`, { code, cause: e });
  }
  // Node's "socket hang up": the server closed the connection before its answer.
  const said = text ?? ((e as Error | null)?.message === "socket hang up" ? "Server disconnected before answering" : undefined);
  const converted = _toOSError(e, said, null, context);
  return converted instanceof OSError ? converted : null;
}
