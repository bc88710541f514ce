/**
 * The event loops of this thread, held weakly, so that `npx asyncio-ts ps` can list the tasks of
 * every loop of a process (CPython's remote unwinder walks each thread's loop likewise).
 */

const loops = new Set<WeakRef<object>>();

/** @internal A loop was made (events.ts). */
export function _noteLoop(loop: object): void {
  loops.add(new WeakRef(loop));
}

/** @internal The loops of this thread still alive, in the order they were made. */
export function _liveLoops(): object[] {
  const out: object[] = [];
  for (const ref of loops) {
    const loop = ref.deref();
    if (loop === undefined) loops.delete(ref);
    else out.push(loop);
  }
  return out;
}
