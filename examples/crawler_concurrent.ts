/**
 * The concurrent crawler: every page is a task, so the waits overlap and the total is the
 * longest one (4 s), not the sum (10 s).
 *
 *     async def main(urls):
 *         tasks = [asyncio.create_task(crawl_page(url)) for url in urls]
 *         for task in tasks:
 *             await task
 *
 *     %time asyncio.run(main(['url_1', 'url_2', 'url_3', 'url_4']))   # Wall time: 3.99 s
 */
import { createTask, run, sleep, type Coroutine } from "asyncio-ts";

function* crawlPage(url: string): Coroutine<void> {
  console.log(`crawling ${url}`);
  const sleepTime = Number(url.split("_").at(-1));
  yield* sleep(sleepTime);
  console.log(`OK ${url}`);
}

function* main(urls: string[]): Coroutine<void> {
  const tasks = urls.map((url) => createTask(crawlPage(url)));
  for (const task of tasks) yield* task;
}

const t0 = performance.now();
await run(main(["url_1", "url_2", "url_3", "url_4"]));
console.log(`Wall time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
