/**
 * The byte buffer behind StreamReader (src/net/bytequeue.ts), against a plain Buffer holding the
 * same bytes: chunks pushed and taken in every size, the queue emptied and refilled, searches
 * across chunk boundaries.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ByteQueue } from "../../src/net/bytequeue.ts";

test("ByteQueue agrees with one Buffer through pushes, takes, searches, emptying and refilling", () => {
  let x = 11;
  const random = (k: number): number => {
    x = (x * 48271) % 2147483647;
    return x % k;
  };
  const queue = new ByteQueue();
  let model = Buffer.alloc(0);
  const sep = Buffer.from("\r\n");
  for (let step = 0; step < 20_000; step++) {
    const op = random(8);
    if (op < 3) {
      // Chunks of 0 to 40 bytes over a small alphabet, so separators fall across boundaries.
      const chunk = Buffer.from(Array.from({ length: random(41) }, () => "ab\r\n"[random(4)]!).join(""));
      queue.push(chunk);
      model = Buffer.concat([model, chunk]);
    } else if (op < 5) {
      const n = random(3) === 0 ? model.length : random(60);
      const want = model.subarray(0, Math.min(n, model.length));
      assert.deepEqual(queue.take(Math.min(n, queue.length)), Buffer.from(want));
      model = model.subarray(want.length);
    } else if (op < 7) {
      const from = random(model.length + 1);
      assert.equal(queue.indexOf(sep, from), model.indexOf(sep, from));
    } else {
      const pos = random(model.length + 1);
      assert.equal(queue.startsWith(sep, pos), model.subarray(pos, pos + 2).equals(sep));
    }
    assert.equal(queue.length, model.length);
  }
  assert.deepEqual(queue.peekAll(), Buffer.from(model));
  queue.clear();
  assert.equal(queue.length, 0);
  queue.push(Buffer.from("after clear"));
  assert.deepEqual(queue.takeAll(), Buffer.from("after clear"));
});
