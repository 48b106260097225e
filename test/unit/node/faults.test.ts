import { strict as assert } from "node:assert";
import { NO_FAULTS, anyFault, describeFaults, parseFaults } from "../../../src/node/faults.js";
import { UsageError } from "../../../src/util/errors.js";

describe("node: fault injection switch", () => {
  it("unset or empty means no faults", () => {
    assert.deepEqual(parseFaults(undefined), NO_FAULTS);
    assert.deepEqual(parseFaults(" "), NO_FAULTS);
    assert.equal(anyFault(NO_FAULTS), false);
  });
  it("parses every fault and round-trips through describeFaults", () => {
    const f = parseFaults("crash-mid-proof, invalid-proof,withhold-proof,silent-aggregator,kill-after:proven,partition-file:/tmp/cut here");
    assert.deepEqual(f, { crashMidProof: true, invalidProof: true, withholdProof: true, silentAggregator: true, killAfter: "proven", partitionFile: "/tmp/cut here" });
    assert.equal(anyFault(f), true);
    assert.deepEqual(parseFaults(describeFaults(f)), f);
  });
  it("an unknown fault or state is a usage error naming it", () => {
    assert.throws(() => parseFaults("crash"), (e: unknown) => e instanceof UsageError && /unknown fault "crash"/.test(e.message));
    assert.throws(() => parseFaults("kill-after:finalized"), (e: unknown) => e instanceof UsageError && /kill-after/.test(e.message));
    assert.throws(() => parseFaults("partition-file:"), (e: unknown) => e instanceof UsageError && /partition-file needs a path/.test(e.message));
  });
});
