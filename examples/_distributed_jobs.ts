/**
 * The job of examples/distributed_pool.ts, in a module of its own: the worker processes import it
 * by its URL (importing the example itself would run the example's program in every worker).
 */

/** time.sleep(1), then the argument back: the seed's blocking call. */
export function someBlockThings(x: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000); // blocks this worker's thread for 1 s
  return x;
}
