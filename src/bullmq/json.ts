/**
 * What crosses Redis: JSON values, checked before they leave, so that a value JSON would change
 * or refuse is a `TypeError` at `submit()` (or a job's clear failure, for a result) instead of a
 * job that receives something else, or a future that never settles.
 *
 * JSON carries null, booleans, finite numbers, strings, arrays and plain objects. `JSON.stringify`
 * silently turns the rest into something else: a Date into a string, a Map into `{}`, NaN into
 * null, `undefined` in an array into null; it throws for a BigInt or a cycle. So the check walks
 * the value and names the first part that would not come back as it left, by its path
 * (`argument 0.items[3].when`). An object property whose value is `undefined` is allowed: JSON
 * leaves it out, and reading the missing property gives `undefined` again.
 *
 * Cost: one visit per array element and object property, no allocation for a primitive; a value
 * the walk accepts is then serialized by BullMQ as it is.
 */

const CARRIES = "JSON carries null, booleans, finite numbers, strings, arrays and plain objects";

/** Throws a TypeError naming the first part of `value` that is not JSON. `where` names the value in the message. */
export function checkJson(value: unknown, where: string): void {
  const problem = findProblem(value, where, new Set<object>());
  if (problem !== null) throw new TypeError(problem);
}

/** Like `checkJson` for each argument, naming them `argument 0`, `argument 1`, ... after `what`. */
export function checkJsonArgs(args: readonly unknown[], what: string): void {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // The usual case, a primitive JSON value, costs one typeof.
    if (typeof arg === "string" || typeof arg === "boolean" || (typeof arg === "number" && Number.isFinite(arg)) || arg === null) continue;
    const problem = findProblem(arg, `argument ${i}`, new Set<object>());
    if (problem !== null) throw new TypeError(`${what}: ${problem} (arguments cross Redis as JSON: pass data)`);
  }
}

function findProblem(value: unknown, path: string, seen: Set<object>): string | null {
  switch (typeof value) {
    case "string":
    case "boolean":
      return null;
    case "number":
      return Number.isFinite(value) ? null : `${path} is ${value}, which JSON cannot carry (it would arrive as null); ${CARRIES}`;
    case "undefined":
      return `${path} is undefined, which JSON cannot carry (it would arrive as null or not at all): pass null instead`;
    case "bigint":
      return `${path} is a BigInt (${value}n), which JSON cannot carry: pass it as a string or a number`;
    case "function":
      return `${path} is a function, which cannot cross to a worker on another machine; ${CARRIES}`;
    case "symbol":
      return `${path} is a symbol, which JSON cannot carry; ${CARRIES}`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return `${path} refers back to an object that contains it (a cycle), which JSON cannot carry`;
  if (Array.isArray(obj)) {
    seen.add(obj);
    for (let i = 0; i < obj.length; i++) {
      if (!(i in obj)) return `${path}[${i}] is an empty slot, which JSON cannot carry (it would arrive as null)`;
      const p = findProblem(obj[i], `${path}[${i}]`, seen);
      if (p !== null) return p;
    }
    seen.delete(obj);
    return null;
  }
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    const name = (obj.constructor as { name?: string } | undefined)?.name || "an object with a prototype";
    return `${path} is a ${name}, which JSON cannot carry as it is (it would arrive as ${arrivesAs(obj)}); ${CARRIES}`;
  }
  if (Object.getOwnPropertySymbols(obj).length > 0) return `${path} has symbol keys, which JSON leaves out; ${CARRIES}`;
  seen.add(obj);
  for (const key of Object.keys(obj)) {
    const v = (obj as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const p = findProblem(v, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, seen);
    if (p !== null) return p;
  }
  seen.delete(obj);
  return null;
}

/** What JSON.stringify would make of an object that is not plain, for the message. */
function arrivesAs(obj: object): string {
  if (typeof (obj as { toJSON?: unknown }).toJSON === "function") return "whatever its toJSON() returns, a string for a Date";
  return "a plain object of its own enumerable fields, without its class";
}
