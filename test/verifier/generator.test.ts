import { strict as assert } from "node:assert";
import { staleGenerated, renderEvaluators, renderVerifiers } from "../../scripts/gen-verifier.js";
import { pinnedCodeHashes } from "../../scripts/build-contracts.js";
import {
  BAKED_BLOWUPS,
  BAKED_LOG_CAP,
  codeHashOf,
  compileTableGroups,
  evaluatorContractNames,
  evaluatorParts,
  oodIndexOf,
  preprocessedBakes,
  QUERY_PHASE_CONTRACT,
  verifierContractName,
} from "../../src/stark/air/solidity.js";
import { verifierContractName as chainName } from "../../src/chain/stark-verifier.js";
import { fibAir, mixAir, lookupAir } from "../../src/stark/airs/index.js";
import { transferAir } from "../../src/rollup/air/index.js";
import { transferV2Air } from "../../src/rollup/air-v2/index.js";
import { BAKE_OPTIONS } from "../../scripts/gen-verifier.js";
import { verificationKey } from "../../src/stark/vk.js";
import { DEFAULT_OPTIONS } from "../../src/stark/options.js";
import { bytesEqual, toHex } from "../../src/stark/hash/keccak.js";
import { ensureBuilt } from "./helpers.js";
import { loadArtifact } from "../../src/chain/artifacts.js";

const deployedSize = (name: string): number => (loadArtifact(name) as unknown as { deployedBytecode: string }).deployedBytecode.length / 2 - 1;

describe("verifier: IR → Solidity generator", () => {
  before(() => ensureBuilt());

  it("the committed generated sources match the constraint IR and the pinned code hashes (rebuild with npm run build:contracts)", () => {
    assert.deepEqual(staleGenerated(pinnedCodeHashes()), []);
  });

  it("names contracts after the AIR and hard-codes the AIR id, the table shapes and the pinned code hashes", () => {
    assert.equal(verifierContractName("transfer-v1"), "TransferV1Verifier");
    assert.equal(chainName("lookup-v1"), verifierContractName("lookup-v1"));
    const hashes = pinnedCodeHashes();
    const src = renderVerifiers(hashes)["LookupV1Verifier.sol"]!;
    assert.ok(src.includes(`AIR_ID = ${toHex(lookupAir.id)}`));
    lookupAir.tables.forEach((t) => {
      assert.ok(src.includes(`a.tables[${t.index}].width = ${t.width};`));
      assert.ok(src.includes(`a.tables[${t.index}].numAux = ${t.numAux};`));
      assert.ok(src.includes(`a.tables[${t.index}].minLogRows = ${t.minLogRows};`));
    });
    assert.ok(src.includes(`QUERY_PHASE_CODEHASH = ${hashes[QUERY_PHASE_CONTRACT]}`));
    for (const [i, name] of evaluatorContractNames(lookupAir).entries()) assert.ok(src.includes(`EVALUATOR_${i}_CODEHASH = ${hashes[name]}`));
    // the pinned hashes are those of the code that gets deployed
    for (const name of [QUERY_PHASE_CONTRACT, ...evaluatorContractNames(transferAir)]) {
      assert.equal(hashes[name], codeHashOf((loadArtifact(name) as unknown as { deployedBytecode: string }).deployedBytecode));
    }
  });

  it("maps lowered columns to the OOD block: main, preprocessed, auxiliary coordinates at z and z·ω", () => {
    const bytes = lookupAir.tables[1]!; // width 1, 1 preprocessed, 2 auxiliary
    assert.deepEqual([0, 1, 2, 9].map((c) => oodIndexOf(bytes, c, false)), [0, 2, 4, 11]);
    assert.deepEqual([0, 1, 2, 9].map((c) => oodIndexOf(bytes, c, true)), [1, 3, 12, 19]);
    assert.throws(() => oodIndexOf(bytes, 10, false));
  });

  it("folds constants, specialises base-field operands and weights K-valued constraints by alpha^i·X^e", () => {
    const fib = compileTableGroups(fibAir, fibAir.tables[0]!).groups.flat().join("\n");
    assert.ok(!/mstore\(add\(base, \d+\), emul\(/.test(fib), "fib-v1 is linear: no K×K register products");
    const transfer = compileTableGroups(transferAir, transferAir.tables[0]!).groups.flat();
    assert.ok(transfer.length < transferAir.bytecode[3]!, `${transfer.length} Yul lines for ${transferAir.bytecode[3]} instructions`);
    assert.ok(transfer.some((l) => l.includes("escale(")));
    assert.ok(!transfer.some((l) => l.includes("emulx(")), "transfer-v1 has no K-valued constraints");
    const sum = compileTableGroups(lookupAir, lookupAir.tables[0]!).groups.flat().join("\n");
    assert.ok(sum.includes("emulx(emulx(emulx("), "LogUp constraints carry weights up to alpha^i·X^3");
  });

  it("bakes the preprocessed caps of every supported height and blowup, equal to the TS verification key's", () => {
    const [bake] = preprocessedBakes(lookupAir);
    assert.ok(bake && bake.table === 1 && bake.minLogRows === 8 && bake.maxLogRows === 8);
    assert.equal(bake.caps.length, BAKED_BLOWUPS.length);
    for (const [k, b] of BAKED_BLOWUPS.entries()) {
      const vk = verificationKey(lookupAir, "keccak", { ...DEFAULT_OPTIONS, logBlowup: b, logCap: BAKED_LOG_CAP }, [8, 8]);
      const expected = vk.preprocessedCaps[1]!;
      assert.equal(bake.caps[k]!.length, expected.length);
      bake.caps[k]!.forEach((d, i) => assert.ok(bytesEqual(d, expected[i]!), `blowup 2^${b} digest ${i}`));
    }
    assert.deepEqual(preprocessedBakes(mixAir), []);
  });

  it("bakes fewer heights and blowups where an AIR asks (transfer-v2-d20), never a blowup its quotient cannot use", () => {
    const air = transferV2Air(20);
    const opts = BAKE_OPTIONS[air.name]!;
    const bakes = preprocessedBakes(air, opts);
    assert.deepEqual(bakes.map((b) => [b.table, b.minLogRows, b.maxLogRows, b.logBlowups]), [[0, 5, 12, [3]], [2, 8, 8, [3]]]);
    for (const [table, logRows] of [[0, 5], [0, 12], [2, 8]] as const) {
      const heights = [table === 0 ? logRows : 5, 2, 8];
      const expected = verificationKey(air, "keccak", { ...DEFAULT_OPTIONS, logBlowup: 3, logCap: BAKED_LOG_CAP }, heights).preprocessedCaps[table]!;
      const bake = bakes.find((b) => b.table === table)!;
      bake.caps[logRows - bake.minLogRows]!.forEach((dgst, i) => assert.ok(bytesEqual(dgst, expected[i]!), `table ${table} at 2^${logRows}`));
    }
    // 8 quotient chunks: blowups 2^1 and 2^2 are never baked; the verifier checks the blowup before indexing.
    assert.deepEqual(preprocessedBakes(air, { maxLogRows: 8 }).map((b) => b.logBlowups), [[3, 4, 5, 6], [3, 4, 5, 6]]);
    const src = renderVerifiers(pinnedCodeHashes())["TransferV2D20Verifier.sol"]!;
    assert.ok(src.includes("logRows >= 5 && logRows <= 12 && logBlowup >= 3 && logBlowup <= 3"));
    assert.ok(src.includes("address[] memory evaluators"), "22 evaluators come as one array");
  });

  it("every verifier, evaluator and the query phase fit the EIP-170 code-size limit", () => {
    assert.equal(evaluatorParts(fibAir).length, 0, "fib-v1 evaluates inline");
    assert.ok(evaluatorParts(transferAir).length > 1, "transfer-v1 is split");
    assert.deepEqual(evaluatorParts(lookupAir).map((p) => p.table), [0, 1], "lookup-v1: one evaluator per table");
    const airs = [fibAir, mixAir, transferAir, lookupAir, transferV2Air(20)];
    assert.deepEqual(Object.keys(renderEvaluators()).sort(), airs.flatMap((a) => evaluatorContractNames(a).map((n) => `${n}.sol`)).sort());
    const names = [QUERY_PHASE_CONTRACT, ...airs.flatMap((air) => [verifierContractName(air.name), ...evaluatorContractNames(air)])];
    for (const name of names) {
      const bytes = deployedSize(name);
      assert.ok(bytes > 0 && bytes <= 24_576, `${name}: ${bytes} bytes`);
    }
  });
});
