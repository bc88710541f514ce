/**
 * Workload debug: what debug mode costs, off and on. The switch, spawn and queue workloads (as in
 * switch.ts, spawn.ts and queue.ts), run with `run(main, { debug })`: debug mode off must cost
 * nothing measurable (the suspension hook is one load and one compare, src/core/hooks.ts), which
 * is shown against the code before debug mode's hooks (bench/run.ts extracts the git revision
 * `BENCH_BASELINE` names); on, each wait records its stack and each task where it was made.
 *
 * How, on a machine shared with other work. Both copies of asyncio-ts are loaded in this one
 * process and their repetitions alternate (A B B A A B ...), so a burst of load elsewhere falls on
 * both alike; the rates are per second of this process's CPU time (user and system, every
 * thread's), not of the wall clock, which counts the time the process waited for a core too
 * (with load averages of 10 on 2 cores, wall-time figures of the very same code moved by a factor
 * of 3 from run to run). The best repetition of each is reported, with the range of all of them.
 * Debug mode on runs last: once a loop in debug mode exists, the hooks stay installed.
 *
 * `node --import tsx bench/workloads/debug.ts ab switch|spawn|queue BASELINE_SRC|- [sizes...]`
 */

import { main, type Outcome } from "./common.ts";

/** Repetitions of debug mode off (this code, and the code before) and on. */
const REPS_OFF = 10;
const REPS_ON = 2;

/** CPU seconds this process has used so far. */
function cpu(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

type Api = Record<string, any>;
type Workload = (api: Api, debug: boolean, sizes: number[]) => Promise<number>;

const workloads: Record<string, { unit: string; run: Workload }> = {
  switch: {
    unit: "switches/s",
    run: (api, debug, [tasks = 10_000, rounds = 100]) =>
      api.run(
        (function* (): Generator<unknown, number, unknown> {
          function* worker(): Generator<unknown, void, unknown> {
            for (let i = 0; i < rounds; i++) yield* api.sleep(0);
          }
          const coros = new Array(tasks);
          for (let i = 0; i < tasks; i++) coros[i] = worker();
          const t0 = cpu();
          yield* api.gather(...coros);
          return (tasks * rounds) / (cpu() - t0);
        })(),
        { debug },
      ),
  },
  spawn: {
    unit: "tasks/s",
    run: (api, debug, [n = 100_000]) =>
      api.run(
        (function* (): Generator<unknown, number, unknown> {
          function* trivial(i: number): Generator<unknown, number, unknown> {
            return i;
          }
          const t0 = cpu();
          const tasks = new Array(n);
          for (let i = 0; i < n; i++) tasks[i] = api.createTask(trivial(i));
          for (const t of tasks) yield* t;
          return n / (cpu() - t0);
        })(),
        { debug },
      ),
  },
  // Futures awaited with `yield*`: Future.next is where the hook is.
  queue: {
    unit: "items/s",
    run: (api, debug, [n = 100_000]) =>
      api.run(
        (function* (): Generator<unknown, number, unknown> {
          const q = new api.Queue(100);
          function* producer(): Generator<unknown, void, unknown> {
            for (let i = 0; i < n; i++) yield* q.put(i);
          }
          function* consumer(): Generator<unknown, void, unknown> {
            for (let i = 0; i < n; i++) yield* q.get();
          }
          const t0 = cpu();
          yield* api.gather(producer(), consumer());
          return n / (cpu() - t0);
        })(),
        { debug },
      ),
  },
};

/** The spread of the repetitions: "10 reps, 6.81-9.02 M". */
const range = (rates: number[]): string => {
  const [scale, unit] = Math.max(...rates) >= 1e6 ? [1e6, "M"] : [1e3, "k"];
  const fmt = (r: number): string => (r / scale).toFixed(scale === 1e6 ? 2 : 1);
  return `${rates.length} reps, ${fmt(Math.min(...rates))}-${fmt(Math.max(...rates))} ${unit}`;
};

main({
  async ab([name = "switch", baselineSrc = "-", ...sizeArgs]) {
    const workload = workloads[name];
    if (workload === undefined) throw new Error(`unknown workload ${name}`);
    const sizes = sizeArgs.map(Number);
    const ours: Api = await import("../../src/index.ts");
    const before: Api | null = baselineSrc === "-" ? null : await import(baselineSrc);
    const off: number[] = [];
    const old: number[] = [];
    for (let r = 0; r < REPS_OFF; r++) {
      // A B B A A B ...: neither copy always runs first, after a collection of the other's garbage.
      const order = r % 2 === 0 ? ["ours", "before"] : ["before", "ours"];
      for (const which of order) {
        if (which === "ours") off.push(await workload.run(ours, false, sizes));
        else if (before !== null) old.push(await workload.run(before, false, sizes));
      }
    }
    const on: number[] = [];
    for (let r = 0; r < REPS_ON; r++) on.push(await workload.run(ours, true, sizes));
    const outcome: Outcome & { detail: string } = {
      value: Math.max(...off),
      unit: workload.unit,
      reps: off.length,
      detail: range(off),
      extra: { on: { value: Math.max(...on), unit: workload.unit, detail: range(on) } },
    };
    if (old.length > 0) outcome.extra!.before = { value: Math.max(...old), unit: workload.unit, detail: range(old) };
    return outcome;
  },
});
