/**
 * A future completed by a coroutine, a done callback that stops a loop run with runForever:
 *
 *     async def slow_operation(future):
 *         await asyncio.sleep(1)
 *         future.set_result('Future is done!')
 *
 *     def got_result(future):
 *         print(future.result())
 *         loop.stop()
 *
 *     loop = asyncio.get_event_loop()
 *     future = asyncio.Future()
 *     asyncio.ensure_future(slow_operation(future))
 *     future.add_done_callback(got_result)
 *     try:
 *         loop.run_forever()
 *     finally:
 *         loop.close()
 */
import { Future, ensureFuture, getEventLoop, sleep, type Coroutine } from "asyncio-ts";

function* slowOperation(future: Future<string>): Coroutine<void> {
  yield* sleep(1);
  future.setResult("Future is done!");
}

function gotResult(future: Future<string>): void {
  console.log(future.result());
  loop.stop();
}

const loop = getEventLoop();
const future = new Future<string>();
ensureFuture(slowOperation(future));
future.addDoneCallback(gotResult);
try {
  await loop.runForever();
} finally {
  loop.close();
}
