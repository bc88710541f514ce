/**
 * The tutorials asyncio-ts was made from (the five Chinese tutorials on Python's asyncio that the
 * project keeps as its seeds) and their programs, in the order they come in each tutorial. Each
 * program is ported line by line as `seeds/NAME.ts`, with what the Python original prints in
 * `seeds/expected/NAME.txt`; the tour (examples/tour.ts) and test/examples.test.ts read this list.
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

export const tutorials: readonly Tutorial[] = [
  {
    file: "000_f7a027b2c804bd02.txt",
    subject: "the event loop; blocking code through run_in_executor",
    programs: [{ name: "000_01_hello_world" }, { name: "000_02_run_in_executor" }],
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
