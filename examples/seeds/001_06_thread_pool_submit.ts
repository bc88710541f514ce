/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), section "使用 concurrent 模块创建一个基本的多线程"
 * (a basic thread pool with concurrent.futures): no event loop at all; ten jobs that block a second
 * and print their value are submitted to a pool of five threads, and each future is printed as it
 * is made. The program then ends, and the process waits for the jobs, five at a time. (The tutorial
 * keeps a ProcessPoolExecutor of five workers as the alternative, commented out; here that would be
 * `new ProcessPoolExecutor({ maxWorkers: 5 })`.)
 *
 * CPython 3.13 runs it as it is; its futures show as `<Future at 0x7f... state=running>`, and
 * values printed by two threads at once may share a line there (whole lines here).
 */
import { ThreadPoolExecutor } from "asyncio-ts";

/** Runs on a pool thread, so it is shipped by its source and uses only its parameter. */
function func(value: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000); // time.sleep(1): blocks this thread
  console.log(value);
  return 123;
}

const pool1 = new ThreadPoolExecutor({ maxWorkers: 5 });

for (let i = 0; i < 10; i++) {
  const fut = pool1.submit(func, i);
  console.log(fut);
}
