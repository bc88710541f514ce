/** A subprocess with pipes, as a user writes it, run with plain node. */
import assert from "node:assert/strict";
import { PIPE, createSubprocessExec, run, type Coroutine } from "asyncio-ts";

function* main(): Coroutine {
  const script = "process.stdin.setEncoding('utf8'); let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => { process.stdout.write(s.split('').reverse().join('')); process.stderr.write('done'); process.exitCode = 3; });";
  const proc = yield* createSubprocessExec(process.execPath, "-e", script, { stdin: PIPE, stdout: PIPE, stderr: PIPE });
  const [out, err] = yield* proc.communicate("stressed");
  assert.equal(out?.toString("utf8"), "desserts");
  assert.equal(err?.toString("utf8"), "done");
  assert.equal(proc.returncode, 3);
}

await run(main);
console.log("ok: subprocess");
