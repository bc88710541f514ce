/**
 * Tutorial 003_b83f952ded8968fe.txt ("Python协程-asyncio、async/await"), section "使用Task实现异步"
 * (asynchronous with tasks): the same crawler makes a task of every page first and awaits them
 * after, so the sleeps overlap and the two pages take 2 seconds, not 3. (The tutorial notes that
 * `yield* gather(...tasks)` could replace the loop over the tasks.)
 *
 * CPython 3.13 runs it as it is.
 */
import { createTask, run, sleep, type Coroutine } from "asyncio-ts";

function* crawlPage(url: string): Coroutine<void> {
  console.log(`crawling ${url}`);
  const sleepTime = Number.parseInt(url.split("_").at(-1)!, 10);
  yield* sleep(sleepTime);
  console.log(`OK ${url}`);
}

function* main(urls: string[]): Coroutine<void> {
  const tasks = urls.map((url) => createTask(crawlPage(url)));
  for (const task of tasks) {
    yield* task;
  }
}

const start = performance.now() / 1000;

await run(main(["url_1", "url_2"]));

console.log(`Cost ${performance.now() / 1000 - start} s`);
