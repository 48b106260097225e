import { strict as assert } from "node:assert";
import { staleVerifiers, renderVerifiers } from "../../scripts/gen-verifier.js";
import { compileConstraintsYul, evaluatorContractNames, verifierContractName } from "../../src/stark/air/solidity.js";
import { verifierContractName as chainName } from "../../src/chain/stark-verifier.js";
import { fibAir, mixAir } from "../../src/stark/airs/index.js";
import { transferAir } from "../../src/rollup/air/index.js";
import { toHex } from "../../src/stark/hash/keccak.js";
import { ensureBuilt } from "./helpers.js";
import { loadArtifact } from "../../src/chain/artifacts.js";

describe("verifier: IR → Solidity generator", () => {
  it("the committed generated verifiers match the constraint IR (rebuild with npm run build:contracts)", () => {
    assert.deepEqual(staleVerifiers(), []);
  });

  it("names contracts after the AIR and hard-codes the AIR id and shape", () => {
    assert.equal(verifierContractName("transfer-v1"), "TransferV1Verifier");
    assert.equal(chainName("mix-v1"), verifierContractName("mix-v1"));
    const src = renderVerifiers()["MixV1Verifier.sol"]!;
    assert.ok(src.includes(`AIR_ID = ${toHex(mixAir.id)}`));
    assert.ok(src.includes(`a.width = ${mixAir.width};`));
    assert.ok(src.includes(`a.minLogRows = ${mixAir.minLogRows};`));
  });

  it("folds constants and specialises base-field operands", () => {
    // fib-v1: every constraint is linear; its only K×K products are the alpha-power accumulations.
    const fib = compileConstraintsYul(fibAir).body;
    assert.ok(!/mstore\(add\(regs, \d+\), emul\(/.test(fib));
    const transfer = compileConstraintsYul(transferAir).body;
    const lines = transfer.split("\n").length;
    assert.ok(lines < transferAir.bytecode[3]!, `${lines} Yul lines for ${transferAir.bytecode[3]} instructions`);
    assert.ok(transfer.includes("escale("));
  });

  it("every verifier and evaluator contract fits the EIP-170 code-size limit", () => {
    ensureBuilt();
    const names = [fibAir, mixAir, transferAir].flatMap((air) => [verifierContractName(air.name), ...evaluatorContractNames(air)]);
    assert.equal(evaluatorContractNames(fibAir).length, 0, "fib-v1 evaluates inline");
    assert.ok(evaluatorContractNames(transferAir).length > 1, "transfer-v1 is split");
    for (const name of names) {
      const bytes = (loadArtifact(name) as unknown as { deployedBytecode: string }).deployedBytecode.length / 2 - 1;
      assert.ok(bytes > 0 && bytes <= 24_576, `${name}: ${bytes} bytes`);
    }
  });
});
