/**
 * Hello world, twice: with `run` (asyncio.run) and with `getEventLoop().runUntilComplete`.
 *
 *     async def main():
 *         print("Hello")
 *         await asyncio.sleep(1)
 *         print("World")
 *     asyncio.run(main())
 */
import { getEventLoop, run, sleep, type Coroutine } from "asyncio-ts";

function* main(): Coroutine<void> {
  console.log("Hello");
  yield* sleep(1);
  console.log("World");
}

await run(main());

const loop = getEventLoop();
await loop.runUntilComplete(main());
loop.close();
