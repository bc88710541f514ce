/** What build.ts writes to manifest.json and tour.ts reads: the examples of the browser tour. */

/** One example of manifest.json: its bundle and the transcript it must match, or why it is not in the browser tour. */
export interface TourEntry {
  readonly name: string;
  /** The bundle, relative to the page; absent when the example cannot run in a browser. */
  readonly bundle?: string;
  readonly transcript?: string | null;
  /** Why it differs from Python's transcript where it is known to (the tour says so, as on Node). */
  readonly differences?: readonly string[];
  /** Why it is not in the browser tour: what esbuild said when bundling it for the browser. */
  readonly excluded?: string;
}
