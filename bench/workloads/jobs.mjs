// The job of workload 7, executor: plain JavaScript, so any worker (asyncio-ts's pools, piscina) loads it as is.
export function inc(x) {
  return x + 1;
}

export default inc;
