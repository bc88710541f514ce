// The job of workload 7, executor: plain JavaScript, so any worker (asyncio-ts's pools, piscina) loads it as is.
export function inc(x) {
  return x + 1;
}

export default inc;

/**
 * The job of the cancel workload: a CPU-bound loop of up to `ms`. With `cooperative` it checks its
 * signal (asyncio-ts binds `this` to the job's context) and stops when it aborts; else it ignores it.
 */
export function spin(ms, cooperative) {
  const t0 = Date.now();
  let n = 0;
  while (Date.now() - t0 < ms) {
    n++;
    if (cooperative && this?.signal?.aborted) return n;
  }
  return n;
}

/** `spin` for piscina, which passes one argument: `[ms, cooperative]`. */
export function spinArgs([ms, cooperative]) {
  return spin(ms, cooperative);
}
