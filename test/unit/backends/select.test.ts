import { strict as assert } from "node:assert";
import { listBackends, resolveBackendKind, selectBackend, isBackendKind } from "../../../src/backends/select.js";
import { cudaStatus } from "../../../src/backends/cuda/index.js";
import { UsageError } from "../../../src/util/errors.js";

const cuda = cudaStatus();

describe("backends/select", () => {
  it("lists every backend with the reason it is unavailable", () => {
    const list = listBackends();
    assert.deepEqual(list.map((b) => b.kind), ["cuda", "wasm", "js"]);
    const c = list.find((b) => b.kind === "cuda")!;
    assert.equal(c.available, cuda.available);
    if (!c.available) assert.match(c.reason!, /^(no addon built|no device \(.+\)|addon failed to load: .+|addon is stale .+)$/);
    assert.equal(list.find((b) => b.kind === "wasm")!.available, true, "the kernels are built by npm install");
  });

  it("auto picks cuda only with a device, else wasm; js and wasm can be asked for by name", async () => {
    assert.equal(resolveBackendKind("auto"), cuda.available ? "cuda" : "wasm");
    for (const kind of ["js", "wasm"] as const) {
      const be = selectBackend(kind, { threads: 1 });
      assert.equal(be.name, kind);
      await be.close();
    }
  });

  it("refuses unknown backend names with a UsageError", () => {
    assert.equal(isBackendKind("gpu"), false);
    assert.throws(() => resolveBackendKind("gpu" as never), UsageError);
  });

  // Only meaningful where cuda cannot run; on a GPU machine the cuda conformance suite covers cuda.
  if (!cuda.available) {
    it("refuses cuda where it cannot run, with the reason", () => {
      assert.throws(() => selectBackend("cuda"), (e: Error) => e instanceof UsageError && e.message.includes(cuda.reason));
    });
  }
});
