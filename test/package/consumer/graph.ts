/** The call graph (captureCallGraph, formatCallGraph) from the built package, run with plain node. */
import assert from "node:assert/strict";
import { Task, captureCallGraph, createTask, formatCallGraph, gather, run, sleep, type Coroutine, type FutureCallGraph } from "asyncio-ts";

type Walked = [string, string[], Walked[]];
const walk = (g: FutureCallGraph): Walked => [g.future instanceof Task ? g.future.getName() : "F", g.callStack.map((e) => e.frame.functionName), g.awaitedBy.map(walk)];

for (const debug of [false, true]) {
  let graph: Walked | null = null;
  let text = "";
  function* leaf(): Coroutine<void> {
    yield* sleep(0);
    graph = walk(captureCallGraph()!);
    text = formatCallGraph();
  }
  function* child(): Coroutine<void> {
    yield* leaf();
  }
  function* outer(): Coroutine<void> {
    yield* gather(createTask(child(), { name: "child" }));
  }
  function* main(): Coroutine<void> {
    yield* outer();
  }
  await run(main(), { debug });
  const [name, stack, awaitedBy] = graph!;
  assert.equal(name, "child");
  assert.deepEqual(stack, ["leaf", "child"]); // the running task: its live stack
  assert.equal(awaitedBy.length, 1);
  const [parent, parentStack] = awaitedBy[0]!;
  assert.match(parent, /^Task-\d+$/);
  // The awaiting task, suspended: every coroutine in debug mode, its own otherwise.
  assert.deepEqual(parentStack, debug ? ["outer", "main"] : ["main"]);
  assert.match(text, /^\* Task\(name='child', id=0x[0-9a-f]+\)\n {2}\+ Call stack:\n {2}\| {3}File '[^']*graph\.js', line \d+, in async leaf\(\)\n/);
}
console.log("ok: captureCallGraph and formatCallGraph from the package, with and without debug mode");
