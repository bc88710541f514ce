// A CommonJS consumer: require() of the ES module package (Node >= 20.19 and >= 22.12).
const assert = require("node:assert/strict");
const asyncio = require("asyncio-ts");
const { VirtualClock } = require("asyncio-ts/testing");

asyncio
  .run(
    function* () {
      yield* asyncio.sleep(60);
      return asyncio.getRunningLoop().time();
    },
    { clock: new VirtualClock() },
  )
  .then((t) => {
    assert.equal(t, 60);
    console.log("ok: require");
  });
