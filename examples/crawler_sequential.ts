/**
 * The sequential crawler: each page is awaited before the next is started, so the waits add up.
 *
 *     async def crawl_page(url):
 *         print('crawling {}'.format(url))
 *         sleep_time = int(url.split('_')[-1])
 *         await asyncio.sleep(sleep_time)
 *         print('OK {}'.format(url))
 *
 *     async def main(urls):
 *         for url in urls:
 *             await crawl_page(url)
 *
 *     %time asyncio.run(main(['url_1', 'url_2', 'url_3', 'url_4']))   # Wall time: 10 s
 */
import { run, sleep, type Coroutine } from "asyncio-ts";

function* crawlPage(url: string): Coroutine<void> {
  console.log(`crawling ${url}`);
  const sleepTime = Number(url.split("_").at(-1));
  yield* sleep(sleepTime);
  console.log(`OK ${url}`);
}

function* main(urls: string[]): Coroutine<void> {
  for (const url of urls) yield* crawlPage(url);
}

const t0 = performance.now();
await run(main(["url_1", "url_2", "url_3", "url_4"]));
console.log(`Wall time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
