/**
 * The async call graph (CPython 3.14's Lib/test/test_asyncio/test_graph.py, ported): who awaits
 * whom through task groups, gather, shield, timeouts, wait and plain awaits, and each task's call
 * stack: the whole chain of coroutines in debug mode, the task's own coroutine without it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Future,
  FutureCallGraph,
  Queue,
  RuntimeError,
  StreamReader,
  Task,
  captureCallGraph,
  createTask,
  formatCallGraph,
  futureAddToAwaitedBy,
  futureDiscardFromAwaitedBy,
  gather,
  getRunningLoop,
  newEventLoop,
  printCallGraph,
  run,
  shield,
  sleep,
  taskGroup,
  timeout,
  wait,
  type Coroutine,
} from "asyncio-ts";

/** A graph as nested arrays: `T<name>` (`T<anon>` for a default name) or `F`, `s f`/`a f` frames, awaiters sorted. */
type Walked = [string, string[], Walked[]];
function walk(g: FutureCallGraph): Walked {
  const f = g.future;
  const name = f instanceof Task ? (/^Task-\d+$/.test(f.getName()) ? "T<anon>" : `T<${f.getName()}>`) : "F";
  return [
    name,
    g.callStack.map((e) => `${e.frame.isCoroutine ? "a" : "s"} ${e.frame.functionName}`),
    g.awaitedBy.map(walk).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
  ];
}

/** CPython's capture_test_stack: the graph walked, and the printed text, from the caller's point of view. */
function captureTestStack(fut: Future<unknown> | null = null, depth = 1): [Walked, string] {
  let text = "";
  printCallGraph(fut, { file: { write: (s: string) => (text += s) }, depth });
  return [walk(captureCallGraph(fut, { depth })!), text];
}

const modes = [
  { debug: true, tag: " (debug mode: every coroutine of a suspended task)" },
  { debug: false, tag: " (no debug mode: a suspended task's own coroutine)" },
];

for (const { debug, tag } of modes) {
  /** A suspended task's stack as the mode gives it: all its coroutines, or the outermost one. */
  const suspended = (...frames: string[]): string[] => (debug ? frames : frames.slice(-1));

  test(`a task group's children are awaited by the parent task${tag} (test_stack_tgroup)`, async () => {
    let stackForC5: [Walked, string] | null = null;
    function c5(): void {
      stackForC5 = captureTestStack(null, 2);
    }
    function* c4(): Coroutine<void> {
      yield* sleep(0);
      c5();
    }
    function* c3(): Coroutine<void> {
      yield* c4();
    }
    function* c2(): Coroutine<void> {
      yield* c3();
    }
    function* c1(task: Task<void>): Coroutine<void> {
      yield* task;
    }
    function* main(): Coroutine<void> {
      yield* taskGroup(function* (tg) {
        const task = tg.createTask(c2(), { name: "c2_root" });
        tg.createTask(c1(task), { name: "sub_main_1" });
        tg.createTask(c1(task), { name: "sub_main_2" });
      });
    }
    await run(main(), { debug });
    const parent: Walked = ["T<anon>", suspended("a TaskGroup._exit", "a taskGroup", "a main"), []];
    assert.deepEqual(stackForC5![0], [
      "T<c2_root>",
      // depth 2 skips captureTestStack itself: the stack starts in the plain function c5
      ["s c5", "a c4", "a c3", "a c2"],
      [parent, ["T<sub_main_1>", ["a c1"], [parent]], ["T<sub_main_2>", ["a c1"], [parent]]],
    ]);
    assert.match(stackForC5![1], /^\* Task\(name='c2_root', id=0x[0-9a-f]+\)\n  \+ Call stack:\n  \|   File '[^']*graph\.test\.ts', line \d+, in c5\(\)\n  \|   File '[^']*graph\.test\.ts', line \d+, in async c4\(\)\n/);
    assert.ok(stackForC5![1].includes("\n    * Task(name='sub_main_1', id=0x"), stackForC5![1]);
  });

  test(`gather's children are awaited by the task calling gather${tag} (test_stack_gather)`, async () => {
    let stackForDeep: [Walked, string] | null = null;
    function* deep(): Coroutine<void> {
      yield* sleep(0);
      stackForDeep = captureTestStack();
    }
    function* c1(): Coroutine<void> {
      yield* sleep(0);
      yield* deep();
    }
    function* c2(): Coroutine<void> {
      yield* sleep(0);
    }
    function* main(): Coroutine<void> {
      yield* gather(c1(), c2());
    }
    await run(main(), { debug });
    assert.deepEqual(stackForDeep![0], ["T<anon>", ["s captureTestStack", "a deep", "a c1"], [["T<anon>", ["a main"], []]]]);
  });

  test(`a shielded task is awaited by the task calling shield${tag} (test_stack_shield)`, async () => {
    let stackForShield: [Walked, string] | null = null;
    function* deep(): Coroutine<void> {
      yield* sleep(0);
      stackForShield = captureTestStack();
    }
    function* c1(): Coroutine<void> {
      yield* sleep(0);
      yield* deep();
    }
    function* main(): Coroutine<void> {
      yield* shield(c1());
    }
    await run(main(), { debug });
    assert.deepEqual(stackForShield![0], ["T<anon>", ["s captureTestStack", "a deep", "a c1"], [["T<anon>", ["a main"], []]]]);
  });

  test(`a timeout's body runs in the task, its frames on the task's stack${tag} (test_stack_timeout)`, async () => {
    let stackForInner: [Walked, string] | null = null;
    function* inner(): Coroutine<void> {
      yield* sleep(0);
      stackForInner = captureTestStack();
    }
    function* c1(): Coroutine<void> {
      yield* timeout(1, function* body() {
        yield* sleep(0);
        yield* inner();
      });
    }
    function* main(): Coroutine<void> {
      yield* shield(c1());
    }
    await run(main(), { debug });
    // `async with timeout(1):` is a body given to timeout(), so the body and timeout's own frames are there too.
    assert.deepEqual(stackForInner![0], [
      "T<anon>",
      ["s captureTestStack", "a inner", "a body", "a runWithin", "a c1"],
      [["T<anon>", ["a main"], []]],
    ]);
  });

  test(`the futures given to wait() are awaited by the task calling it${tag} (test_stack_wait)`, async () => {
    let stackForInner: [Walked, string] | null = null;
    function* inner(): Coroutine<void> {
      yield* sleep(0);
      stackForInner = captureTestStack();
    }
    function* c1(): Coroutine<void> {
      yield* timeout(1, function* body() {
        yield* sleep(0);
        yield* inner();
      });
    }
    function* c2(): Coroutine<void> {
      for (let i = 0; i < 3; i++) yield* sleep(0);
    }
    function* waiter(t1: Task<void>, t2: Task<void>): Coroutine<void> {
      for (;;) {
        const [, pending] = yield* wait([t1, t2]);
        if (pending.size === 0) break;
      }
    }
    function* main(): Coroutine<void> {
      const t1 = createTask(c1());
      const t2 = createTask(c2());
      try {
        yield* waiter(t1, t2);
      } finally {
        yield* t1;
        yield* t2;
      }
    }
    await run(main(), { debug });
    assert.deepEqual(stackForInner![0], [
      "T<anon>",
      ["s captureTestStack", "a inner", "a body", "a runWithin", "a c1"],
      [["T<anon>", suspended("a wait", "a waiter", "a main"), []]],
    ]);
  });

  test(`a task awaited by another is in its awaiters${tag} (test_stack_task)`, async () => {
    let stackForInner: [Walked, string] | null = null;
    function* inner(): Coroutine<void> {
      yield* sleep(0);
      stackForInner = captureTestStack();
    }
    function* c1(): Coroutine<void> {
      yield* inner();
    }
    function* c2(): Coroutine<void> {
      yield* createTask(c1(), { name: "there there" });
    }
    function* main(): Coroutine<void> {
      yield* c2();
    }
    await run(main(), { debug });
    assert.deepEqual(stackForInner![0], ["T<there there>", ["s captureTestStack", "a inner", "a c1"], [["T<anon>", suspended("a c2", "a main"), []]]]);
  });

  test(`a task waiting in Queue.get() or StreamReader.readline() has their frames and its own on its stack${tag}`, async () => {
    const graphs: Walked[] = [];
    function* consumer(queue: Queue<number>): Coroutine<number> {
      return yield* queue.get();
    }
    function* liner(reader: StreamReader): Coroutine<Buffer> {
      return yield* reader.readline();
    }
    await run(function* () {
      const queue = new Queue<number>();
      const reader = new StreamReader();
      const tasks = [createTask(consumer(queue), { name: "consumer" }), createTask(liner(reader), { name: "liner" }), createTask(queue.get(), { name: "bare" })];
      yield* sleep(0);
      for (const t of tasks) graphs.push(walk(captureCallGraph(t)!));
      queue.putNowait(1);
      queue.putNowait(2);
      reader.feedData("line\n");
      yield* gather(...tasks);
    }, { debug });
    assert.deepEqual(graphs, [
      ["T<consumer>", suspended("a Queue.get", "a consumer"), []],
      ["T<liner>", suspended("a StreamReader.readuntil", "a StreamReader.readline", "a liner"), []],
      // The task's own coroutine is written by hand: the generator it handed over to stands for it
      // (the inspector, without debug mode, knows a generator's function by its own name only).
      ["T<bare>", [debug ? "a Queue.get" : "a get"], []],
    ]);
  });

  test(`a plain future's graph: the tasks awaiting it, and who awaits them${tag} (test_stack_future)`, async () => {
    let stackForFut: [Walked, string] | null = null;
    function* a2(fut: Future<void>): Coroutine<void> {
      yield* fut;
    }
    function* a1(fut: Future<void>): Coroutine<void> {
      yield* a2(fut);
    }
    function* b1(fut: Future<void>): Coroutine<void> {
      yield* fut;
    }
    function* main(): Coroutine<void> {
      const fut = new Future<void>();
      yield* taskGroup(function* (g) {
        g.createTask(a1(fut), { name: "task A" });
        g.createTask(b1(fut), { name: "task B" });
        for (let i = 0; i < 5; i++) yield* sleep(0); // both a1 and b1 await the future now
        stackForFut = captureTestStack(fut);
        fut.setResult();
      });
    }
    await run(main(), { debug });
    // main is the task running: as in CPython, whose running coroutine has no `cr_await`, only its own
    // coroutine is named (a graph's live stack is only the one of the task it starts from).
    const parent: Walked = ["T<anon>", ["a main"], []];
    assert.deepEqual(stackForFut![0], ["F", [], [["T<task A>", suspended("a a2", "a a1"), [parent]], ["T<task B>", ["a b1"], [parent]]]]);
    assert.match(stackForFut![1], /^\* Future\(id=0x[0-9a-f]+\)\n  \+ Awaited by:\n    \* Task\(name='task A'/);
  });
}

test("captureCallGraph() without a future outside of a running loop is a RuntimeError; a non-future is a TypeError", () => {
  assert.throws(
    () => captureCallGraph(),
    (e: unknown) =>
      e instanceof RuntimeError && e.message === "captureCallGraph() is called outside of a running event loop and no future to introspect was provided",
  );
  assert.throws(() => captureCallGraph({} as Future<unknown>), { name: "TypeError", message: "[object Object] object does not appear to be compatible with asyncio.Future" });
  assert.throws(() => captureCallGraph(null, { depth: 0 }), { name: "TypeError", message: "captureCallGraph(): `depth` must be an integer >= 1, got 0" });
  assert.throws(() => captureCallGraph(null, { limt: 1 } as never), { name: "TypeError", message: "captureCallGraph(): unknown option `limt` (the options are depth, limit)" });
});

test("captureCallGraph() in a callback outside of any task is null, and formatCallGraph() is empty", async () => {
  const seen: unknown[] = [];
  await run(function* () {
    getRunningLoop().callSoon(() => seen.push(captureCallGraph(), formatCallGraph()));
    yield* sleep(0);
  });
  assert.deepEqual(seen, [null, ""]);
});

test("limit keeps the outermost frames when positive, the innermost when negative, none at 0", async () => {
  const stacks: Record<string, string[][]> = {};
  function* leaf(label: string, limit: number | null): Coroutine<void> {
    const g = captureCallGraph(null, { limit })!;
    stacks[label] = [g.callStack.map((e) => e.frame.functionName), ...g.awaitedBy.map((p) => p.callStack.map((e) => e.frame.functionName))];
  }
  function* middle(label: string, limit: number | null): Coroutine<void> {
    yield* leaf(label, limit);
  }
  function* child(label: string, limit: number | null): Coroutine<void> {
    yield* sleep(0);
    yield* middle(label, limit);
  }
  function* outer(task: Task<void>): Coroutine<void> {
    yield* task;
  }
  function* parent(label: string, limit: number | null): Coroutine<void> {
    yield* outer(createTask(child(label, limit)));
  }
  function* main(): Coroutine<void> {
    for (const [label, limit] of [["all", null], ["+2", 2], ["-2", -2], ["0", 0]] as const) yield* parent(label, limit);
  }
  await run(main(), { debug: true });
  assert.deepEqual(stacks, {
    all: [["leaf", "middle", "child"], ["outer", "parent", "main"]],
    "+2": [["middle", "child"], ["parent", "main"]],
    "-2": [["leaf", "middle"], ["outer", "parent"]],
    "0": [[], []],
  });
});

test("futureAddToAwaitedBy() and futureDiscardFromAwaitedBy() record who awaits a future through a callback", async () => {
  await run(function* () {
    const fut = getRunningLoop().createFuture<void>();
    const me = createTask(sleep(10), { name: "watcher" });
    yield* sleep(0);
    futureAddToAwaitedBy(fut, me);
    futureAddToAwaitedBy(fut, me); // a set: once
    futureAddToAwaitedBy(fut, "not a future"); // ignored, as CPython ignores what is not a Future
    assert.deepEqual(walk(captureCallGraph(fut, { limit: 0 })!), ["F", [], [["T<watcher>", [], []]]]);
    futureDiscardFromAwaitedBy(fut, me);
    assert.deepEqual(walk(captureCallGraph(fut)!), ["F", [], []]);
    me.cancel();
  });
});

test("a cycle of tasks awaiting each other is cut where it closes", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const a = loop.createFuture<void>();
    const b = loop.createFuture<void>();
    futureAddToAwaitedBy(a, b);
    futureAddToAwaitedBy(b, a);
    assert.deepEqual(walk(captureCallGraph(a)!), ["F", [], [["F", [], []]]]);
    yield* sleep(0);
  });
});

test("formatCallGraph() renders CPython's layout: task, call stack, awaiters indented by four spaces", async () => {
  let text = "";
  function* child(): Coroutine<void> {
    yield* sleep(0);
    text = formatCallGraph();
  }
  function* main(): Coroutine<void> {
    yield* createTask(child(), { name: "child" });
  }
  await run(main(), { debug: true });
  const lines = text
    .split("\n")
    .map((l) => l.replace(/id=0x[0-9a-f]+/, "id=ID").replace(/'Task-\d+'/, "'Task-N'").replace(/File '[^']*\/test\/loop\/graph\.test\.ts', line \d+/, "File 'FILE', line N"));
  assert.deepEqual(lines, [
    "* Task(name='child', id=ID)",
    "  + Call stack:",
    "  |   File 'FILE', line N, in async child()",
    "  + Awaited by:",
    "    * Task(name='Task-N', id=ID)",
    "      + Call stack:",
    "      |   File 'FILE', line N, in async main()",
  ]);
});

test("a loop that is not running has no current task: captureCallGraph(task) still describes a task", async () => {
  const loop = newEventLoop();
  const task = loop.createTask(sleep(1), { name: "idle" });
  assert.deepEqual(walk(captureCallGraph(task)!), ["T<idle>", [], []]);
  task.cancel();
  await loop.runUntilComplete(gather(task, { returnExceptions: true }));
  loop.close();
});
