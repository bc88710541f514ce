/**
 * Node's built-in modules for debug mode's tools, found at run time and never imported, so that
 * the layers which call into debug/ (the loop, the primitives) load on every host, browsers
 * included. `process.getBuiltinModule` (Node 20.16+, Bun, Deno) gives them; where a host has none,
 * the tool that needs one does less: no watchdog thread, paths left as `file:` URLs, no source maps.
 */

/** The built-in module `id` ("node:worker_threads"), or undefined where the host has no such thing. */
export function nodeBuiltin<T>(id: string): T | undefined {
  const host = globalThis as { process?: { getBuiltinModule?(id: string): unknown } };
  try {
    return host.process?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}
