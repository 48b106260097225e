import { strict as assert } from "node:assert";
import { listBackends, resolveBackendKind, selectBackend, isBackendKind } from "../../../src/backends/select.js";
import { UsageError } from "../../../src/util/errors.js";

describe("backends/select", () => {
  it("lists every backend with the reason it is unavailable", () => {
    const list = listBackends();
    assert.deepEqual(list.map((b) => b.kind), ["cuda", "wasm", "js"]);
    const cuda = list.find((b) => b.kind === "cuda")!;
    assert.equal(cuda.available, false);
    assert.match(cuda.reason!, /no addon built/);
    assert.equal(list.find((b) => b.kind === "wasm")!.available, true, "the kernels are built by npm install");
  });

  it("auto picks wasm when cuda is absent; js and wasm can be asked for by name", async () => {
    assert.equal(resolveBackendKind("auto"), "wasm");
    for (const kind of ["auto", "js", "wasm"] as const) {
      const be = selectBackend(kind, { threads: 1 });
      assert.equal(be.name, kind === "auto" ? "wasm" : kind);
      await be.close();
    }
  });

  it("refuses cuda and unknown names with a UsageError", () => {
    assert.throws(() => selectBackend("cuda"), UsageError);
    assert.equal(isBackendKind("gpu"), false);
    assert.throws(() => resolveBackendKind("gpu" as never), UsageError);
  });
});
