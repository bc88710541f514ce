/**
 * Tutorial 003_b83f952ded8968fe.txt ("Python协程-asyncio、async/await"), section "异步接口同步实现"
 * (synchronous code through an asynchronous interface): a simulated crawler awaits each page in
 * turn, each page sleeping as many seconds as its URL's number, so the two pages take 1 + 2 = 3
 * seconds, timed with the performance counter.
 *
 * CPython 3.13 runs it as it is.
 */
import { run, sleep, type Coroutine } from "asyncio-ts";

function* crawlPage(url: string): Coroutine<void> {
  console.log(`crawling ${url}`);
  const sleepTime = Number.parseInt(url.split("_").at(-1)!, 10);
  yield* sleep(sleepTime);
  console.log(`OK ${url}`);
}

function* main(urls: string[]): Coroutine<void> {
  for (const url of urls) {
    yield* crawlPage(url); // waits here until the page is crawled, then goes on to the next
  }
}

const start = performance.now() / 1000;

await run(main(["url_1", "url_2"]));

console.log(`Cost ${performance.now() / 1000 - start} s`);
