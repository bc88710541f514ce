/**
 * The few pieces of Python's standard library (not asyncio) whose output the tutorial programs
 * print and Node formats differently: `str()` of a list or a set and `datetime.datetime.now()`
 * (`threading.current_thread()` is in ./_threads.ts: it needs node:worker_threads, and this module
 * runs in browsers too, where test/browser/ runs the examples). Everything else the programs use
 * has a plain Node equivalent, written in place: `time.time()` is `Date.now() / 1000`, `time.perf_counter()` is
 * `performance.now() / 1000`, `threading.get_ident()` is `threadId` of node:worker_threads (0 on
 * the main thread), `random.randint(a, b)` is `a + Math.floor(Math.random() * (b - a + 1))`.
 */

/**
 * What Python's `str(x)` (and so `print(x)`) shows: a string as it is; a list (array) as
 * `['Bob', 'Alice']`; a set as `{a, b}` (`set()` when empty); `undefined` and `null` as `None`;
 * booleans as `True`/`False`; anything else by its own `toString()` (a task, a future).
 */
export function str(x: unknown): string {
  return typeof x === "string" ? x : repr(x);
}

/** What Python's `repr(x)` shows, for the values `str` handles. */
function repr(x: unknown): string {
  if (typeof x === "string") return quote(x);
  if (x === undefined || x === null) return "None";
  if (typeof x === "boolean") return x ? "True" : "False";
  if (Array.isArray(x)) return `[${x.map(repr).join(", ")}]`;
  if (x instanceof Set) return x.size === 0 ? "set()" : `{${[...x].map(repr).join(", ")}}`;
  return String(x);
}

/** A string literal as Python writes one: single quotes, unless the text holds one and no double quote. */
function quote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const escaped = s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
  return q + (q === "'" ? escaped.replace(/'/g, "\\'") : escaped) + q;
}

/**
 * `str(datetime.datetime.now())`: the local date and time as `2015-05-20 12:56:33.190577`
 * (the microseconds left out when they are 0, as Python does).
 */
export function datetimeNow(): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const d = new Date(Math.floor(micros / 1000));
  const two = (n: number): string => String(n).padStart(2, "0");
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const fraction = micros % 1_000_000;
  return `${date} ${time}${fraction === 0 ? "" : `.${String(fraction).padStart(6, "0")}`}`;
}
