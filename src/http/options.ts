/**
 * The checks every options object of `asyncio-ts/http` goes through: an unknown key is a
 * `TypeError` naming it and the keys accepted (a misspelt `limitPerhost` must not silently mean
 * "no limit"), and a duration is a non-negative number of seconds or null for "no bound".
 */

import { ValueError, _checkOptions } from "asyncio-ts";

/**
 * Throws `TypeError` when `options` has a key not in `accepted`: the package's one check
 * (`_checkOptions`), so that every options object words it alike.
 * @param where what the options are for, as the message names it (`"ClientSession"`).
 */
export function checkOptions(where: string, options: object | undefined | null, accepted: readonly string[]): void {
  if (options !== null) _checkOptions(options, accepted, where);
}

/**
 * Returns `value` when it is a non-negative number of seconds (or null, meaning no bound).
 * @throws TypeError for a non-number, ValueError for a negative or NaN number.
 */
export function checkSeconds(name: string, value: number | null): number | null {
  if (value === null) return null;
  if (typeof value !== "number") throw new TypeError(`\`${name}\` must be a number of seconds or null, got ${String(value)}`);
  if (!(value >= 0)) throw new ValueError(`\`${name}\` must be a non-negative number of seconds or null, got ${value}`);
  return value;
}

/**
 * Returns `value` when it is a positive integer (or `Infinity`; 0 too with `allowZero`).
 * @throws TypeError for a non-number, ValueError otherwise.
 */
export function checkCount(name: string, value: number, options: { allowZero?: boolean } = {}): number {
  if (typeof value !== "number") throw new TypeError(`\`${name}\` must be a number, got ${String(value)}`);
  const min = options.allowZero === true ? 0 : 1;
  if (!(Number.isInteger(value) && value >= min) && value !== Infinity) {
    throw new ValueError(`\`${name}\` must be an integer >= ${min}${options.allowZero === true ? " (0: no limit)" : ""}, got ${value}`);
  }
  return value;
}
