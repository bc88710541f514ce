/**
 * The one check every options object of the public API goes through: a key it does not know is a
 * `TypeError` naming the key and the keys it accepts, so a misspelt or unsupported option
 * (`createTask(coro, { signl })`) fails where it is written instead of being silently ignored.
 * A leaf module, as exceptions.ts: it imports nothing, and every layer may import it; the entry
 * points (asyncio-ts/testing, asyncio-ts/http) reach it as the package's internal `_checkOptions`.
 *
 * Cost: nothing when `options` is undefined; otherwise one `for...in` over the object's own keys.
 */

/**
 * Throws a TypeError if `options` has a key not in `accepted`, or is not an object.
 * @internal
 * @param where what takes the options, as the message names it (`"createTask()"`).
 */
export function checkOptions(options: object | null | undefined, accepted: readonly string[], where: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${where} options must be an object, got ${options === null ? "null" : typeof options}`);
  }
  for (const key in options) {
    if (!Object.hasOwn(options, key) || accepted.includes(key)) continue;
    const known = accepted.length === 0 ? "it takes no options" : `the options are ${accepted.join(", ")}`;
    throw new TypeError(`${where} got an unknown option \`${key}\`; ${known}`);
  }
}

/**
 * The keys of the options type `T`, as `checkOptions` takes them. They are written as a
 * record so that the compiler checks the list names every key of `T` and nothing else: an option
 * added to the type but not here fails to compile instead of being rejected at run time.
 * @internal
 * @example const GATHER_OPTION_KEYS = optionKeys<GatherOptions>({ returnExceptions: true });
 */
export function optionKeys<T extends object>(keys: { [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}
