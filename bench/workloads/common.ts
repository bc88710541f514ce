/**
 * What every benchmark child shares: the repetition rule, the deterministic delays, and the one
 * JSON line a child prints for bench/run.ts to read.
 *
 * A workload file maps contender names to a `measure` function and ends with
 * `main(contenders)`: run as `node --import tsx --expose-gc bench/workloads/NAME.ts CONTENDER ...`,
 * it runs one contender in this fresh process and prints one line of JSON:
 * `{"value": 123, "unit": "switches/s", "reps": 3}`, or `{"skip": "why"}` when the contender
 * cannot run here (a module another engineer is still writing, say).
 */

/**
 * At most this many repetitions of a measurement; the best is reported. The first ones pay for the
 * JIT's warm-up and for V8 growing its young generation, in Node; Python gets as many.
 */
export const MAX_REPS = 5;
/** No further repetition starts once the repetitions so far took this many seconds. */
export const REP_BUDGET_S = 3;

/** One measurement: how many operations took how many seconds. */
export interface Sample {
  count: number;
  seconds: number;
}

/** What a contender reports. */
export interface Outcome {
  value: number;
  unit: string;
  reps?: number;
  note?: string;
  /** Further figures, by name, that a comparison of run.ts may select with its `metric`. */
  extra?: Record<string, { value: number; unit: string; detail?: string }>;
}

/** Thrown by a contender that cannot run here; run.ts prints the message as a note. */
export class Skip extends Error {}

/** A contender's measurement, run once in this child process. */
export type Contender = (args: string[]) => Promise<Outcome>;

/** Seconds since an arbitrary origin, from the monotonic clock. */
export function now(): number {
  return performance.now() / 1000;
}

/**
 * Runs `measure` up to MAX_REPS times (stopping after REP_BUDGET_S seconds) and returns the best
 * rate in operations per second: the same rule as bench/python/bench.py.
 */
export async function bestRate(unit: string, measure: () => Promise<Sample>): Promise<Outcome> {
  let best = 0;
  let reps = 0;
  const started = now();
  while (reps < MAX_REPS) {
    const { count, seconds } = await measure();
    reps++;
    best = Math.max(best, count / seconds);
    if (now() - started > REP_BUDGET_S) break;
  }
  return { value: best, unit, reps };
}

/**
 * `n` delays in seconds, in [0, 0.01], from the MINSTD generator (exact in doubles, so Python's
 * copy in bench/python/bench.py yields the very same list).
 */
export function delays(n: number): number[] {
  let x = 12345;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    x = (x * 48271) % 2147483647;
    out[i] = (x % 10001) / 1_000_000;
  }
  return out;
}

/** Collects garbage twice (a finalizer may free more) and reads the used heap in bytes. */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Skip("run node with --expose-gc to measure the heap");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Imports asyncio-ts's public surface and checks that `names` are exported. */
export async function asyncioExports(...names: string[]): Promise<Record<string, any>> {
  const mod: Record<string, any> = await import("../../src/index.ts");
  const missing = names.filter((n) => mod[n] === undefined);
  if (missing.length > 0) throw new Skip(`asyncio-ts does not export ${missing.join(", ")} yet`);
  return mod;
}

/** The child's entry point: runs `contenders[argv[2]]` and prints its outcome as JSON. */
export function main(contenders: Record<string, Contender>): void {
  const [name, ...args] = process.argv.slice(2);
  const contender = name === undefined ? undefined : contenders[name];
  if (contender === undefined) {
    console.error(`usage: ${process.argv[1]} ${Object.keys(contenders).join("|")} [args]`);
    process.exit(2);
  }
  contender(args).then(
    (outcome) => {
      console.log(JSON.stringify(outcome));
      process.exit(0);
    },
    (e: unknown) => {
      if (e instanceof Skip) {
        console.log(JSON.stringify({ skip: e.message }));
        process.exit(0);
      }
      console.error(e);
      process.exit(1);
    },
  );
}
