/**
 * The tutorials asyncio-ts was made from (the five Chinese tutorials on Python's asyncio that the
 * project keeps as its seeds, 27 programs in all) and their programs, in the order they come in
 * each tutorial. Each program is ported line by line as `seeds/NAME.ts`, with what the Python
 * original prints in `seeds/expected/NAME.txt`; the tour (examples/tour.ts) and
 * test/examples.test.ts read this list.
 *
 * A program that needs an entry point asyncio-ts does not have yet names it in `needs` and has no
 * port yet. Where asyncio-ts prints something else than Python for a line, `differences` says
 * which line, what asyncio-ts prints instead, and why: such a program counts as not matched.
 */

/** A line asyncio-ts prints differently from Python. */
export interface Difference {
  /** The line of the transcript (what Python prints). */
  readonly python: string;
  /** The pattern of what asyncio-ts prints there instead. */
  readonly asyncioTs: string;
  readonly why: string;
}

/** One program of a tutorial. */
export interface Program {
  /** The example's name: the tutorial's number, the program's place in it, a short name. */
  readonly name: string;
  /** The entry point of asyncio-ts the program needs, when it does not exist yet. */
  readonly needs?: string;
  readonly differences?: readonly Difference[];
}

export interface Tutorial {
  /** Its file among the seeds. */
  readonly file: string;
  /** What it teaches. */
  readonly subject: string;
  readonly programs: readonly Program[];
}

const SUBMITTED =
  "a ConcurrentFuture shows as <ConcurrentFuture state=...>, not <Future at 0x... state=...>, and submit() hands a job to a thread only in a microtask after it returns, so the five jobs Python shows running are still pending";

export const tutorials: readonly Tutorial[] = [
  {
    file: "000_f7a027b2c804bd02.txt",
    subject: "the event loop; blocking code through run_in_executor",
    programs: [{ name: "000_01_hello_world" }, { name: "000_02_run_in_executor" }],
  },
  {
    file: "001_8035d624070b9cd9.txt",
    subject: "tasks, wait, futures, concurrent.futures, awaitables",
    programs: [
      // Both clients run against the tutorial's FastAPI server, which each starts on 127.0.0.1.
      { name: "001_01_httpx_get" },
      { name: "001_02_httpx_gather" },
      { name: "001_03_create_task" },
      {
        name: "001_04_wait_timeout",
        differences: [
          {
            python: "{<Task finished name='Task-{*}' coro=<real_async() done, defined at {*}> result=None>, <Task finished name='Task-{*}' coro=<real_async() done, defined at {*}> result=None>}",
            asyncioTs: "{<Task finished name='Task-{*}' result=undefined>, <Task finished name='Task-{*}' result=undefined>}",
            why: "a Task's repr shows no coro=<...> (docs/differences.md: a generator does not know its function), and a coroutine that returns nothing has the result undefined",
          },
        ],
      },
      { name: "001_05_run_wait" },
      {
        name: "001_06_thread_pool_submit",
        differences: [
          { python: "<Future at 0x{*} state=running>", asyncioTs: "<ConcurrentFuture state=pending>", why: SUBMITTED },
          { python: "<Future at 0x{*} state=pending>", asyncioTs: "<ConcurrentFuture state=pending>", why: SUBMITTED },
        ],
      },
      { name: "001_07_run_in_executor" },
      { name: "001_08_run_until_complete" },
      { name: "001_09_asyncio_run" },
      { name: "001_10_gather_outside_loop" },
      { name: "001_11_gather_task_list" },
      { name: "001_12_run_wait_task_list" },
    ],
  },
  {
    file: "002_f06ca3eb7ad36d64.txt",
    subject: "Future and Task; the official examples in the old style",
    programs: [
      { name: "002_01_coroutine_hello_world" },
      { name: "002_02_display_date" },
      { name: "002_03_factorial" },
      { name: "002_04_run_forever" },
      { name: "002_05_gather_thread_ident" },
    ],
  },
  {
    file: "003_b83f952ded8968fe.txt",
    subject: "how the loop runs coroutines, step by step",
    programs: [
      { name: "003_01_create_task" },
      { name: "003_02_gather" },
      { name: "003_03_crawler_sequential" },
      { name: "003_04_crawler_concurrent" },
      { name: "003_05_producer_consumer" },
    ],
  },
  {
    file: "004_863ddc36705fe188.txt",
    subject: "@asyncio.coroutine and yield from",
    programs: [{ name: "004_01_yield_from_hello" }, { name: "004_02_current_thread" }, { name: "004_03_wget" }],
  },
];

/** The transcript of a program as asyncio-ts prints it: Python's, with each difference's line replaced. */
export function withDifferences(transcript: string, program: Program): string {
  let text = transcript;
  for (const d of program.differences ?? []) {
    text = text
      .split("\n")
      .map((line) => (line === d.python ? d.asyncioTs : line))
      .join("\n");
  }
  return text;
}
