/**
 * `threading.current_thread()` for the tutorial programs, on node:worker_threads (so, unlike
 * ./_python.ts, not in a browser).
 */
import { isMainThread, threadId } from "node:worker_threads";

/**
 * `threading.current_thread()` as Python shows it: `<_MainThread(MainThread, started 140735195337472)>`
 * on the main thread. Node has no thread objects: the number is `threadId` (0 on the main thread).
 */
export function currentThread(): string {
  return isMainThread ? `<_MainThread(MainThread, started ${threadId})>` : `<Thread(Thread-${threadId}, started ${threadId})>`;
}
