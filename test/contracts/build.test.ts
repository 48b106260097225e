import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { Hex } from "viem";
import { buildContracts, staleAbiModules } from "../../scripts/build-contracts.js";
import { statementHarnessAbi } from "../../src/chain/abi/index.js";
import { loadArtifact } from "../../src/chain/artifacts.js";
import { packRoot, segmentPublicInputs, txDataHash, unpackRoot } from "../../src/chain/statement.js";
import { roles, useSystem } from "../utils/system.js";
import { compareGas, readSnapshot } from "../../scripts/gas-snapshot.js";
import { measureGas } from "../utils/gas.js";
import { NUM_PUBLIC_INPUTS } from "../../src/rollup/air/layout.js";
import { publicInputsOf, type SegmentStatement } from "../../src/rollup/air/statement.js";
import type { Transaction } from "../../src/rollup/transaction.js";

describe("contracts/build", () => {
  it("the committed ABI modules match the compiled contracts", () => {
    const { artifacts } = buildContracts({ writeAbi: false });
    assert.deepEqual(staleAbiModules(artifacts), [], "run npm run build:contracts and commit src/chain/abi");
  });

  it("skips solc when the sources are unchanged", () => {
    buildContracts({ writeAbi: false });
    const again = buildContracts({ writeAbi: false });
    assert.equal(again.compiled, false);
    assert.ok(again.artifacts.some((a) => a.contractName === "SegmentMarket"));
  });

  it("every deployed contract stays under the 24 KiB code-size limit (EIP-170)", () => {
    const { artifacts } = buildContracts({ writeAbi: false });
    for (const name of ["StakeToken", "ProverStaking", "SegmentMarket", "AggregatorElection", "Rollup"]) {
      const art = artifacts.find((a) => a.contractName === name)!;
      const bytes = (art.deployedBytecode.length - 2) / 2;
      assert.ok(bytes > 0 && bytes <= 24_576, `${name} runtime code ${bytes} bytes`);
    }
  });
});

describe("contracts/StatementLib mirror", () => {
  const sys = useSystem();
  let harness: `0x${string}`;

  before(async () => {
    const s = sys();
    const art = loadArtifact("StatementHarness");
    const hash = await s.wallet.deployContract({ abi: statementHarnessAbi, bytecode: art.bytecode, account: roles.deployer });
    harness = (await s.send(hash)).contractAddress!;
  });

  it("packRoot / unpackRoot round-trip 8 x u32 little-endian", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 2013265920 }), { minLength: 8, maxLength: 8 }), (words) => {
        assert.deepEqual(unpackRoot(packRoot(words)), words);
      }),
      { numRuns: 50 },
    );
    assert.equal(packRoot([1, 0, 0, 0, 0, 0, 0, 0x04030201]), `0x01000000${"00".repeat(24)}01020304`);
  });

  it("public inputs and transaction hash agree with the Solidity library", async () => {
    const s = sys();
    const samples: [bigint, number, number, Hex, Hex, number, number[]][] = [
      [1n, 0, 20, packRoot([1, 2, 3, 4, 5, 6, 7, 8]), packRoot([9, 10, 11, 12, 13, 14, 15, 2013265920]), 3, [1, 2, 3]],
      [77n, 5, 3, packRoot([0, 0, 0, 0, 0, 0, 0, 0]), packRoot([4294967295, 1, 1, 1, 1, 1, 1, 1]), 0, []],
      [(1n << 60n) - 1n, 2 ** 30 - 1, 30, packRoot([8, 7, 6, 5, 4, 3, 2, 1]), packRoot([1, 1, 1, 1, 1, 1, 1, 1]), 255, [7]],
    ];
    for (const [batchId, index, depth, rootIn, rootOut, txCount, column] of samples) {
      const onChain = await s.publicClient.readContract({
        address: harness,
        abi: statementHarnessAbi,
        functionName: "publicInputs",
        args: [batchId, index, depth, rootIn, rootOut, txCount],
      });
      assert.equal(onChain.length, NUM_PUBLIC_INPUTS);
      assert.deepEqual([...onChain], segmentPublicInputs(batchId, index, depth, rootIn, rootOut, txCount));
      const h = await s.publicClient.readContract({ address: harness, abi: statementHarnessAbi, functionName: "txDataHash", args: [column] });
      assert.equal(h, txDataHash(column));
    }
  });

  it("for random statements the Solidity library and transfer-v1's publicInputsOf agree word for word", async function () {
    this.timeout(60_000);
    const s = sys();
    const felt = fc.nat({ max: 2013265920 });
    const digest = fc.array(felt, { minLength: 8, maxLength: 8 });
    const tx = { from: 0, to: 1, amount: 1, nonce: 0 } as unknown as Transaction;
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 0n, max: (1n << 60n) - 1n }),
        fc.nat({ max: 2 ** 30 - 1 }),
        fc.integer({ min: 1, max: 30 }),
        digest,
        digest,
        fc.nat({ max: 64 }),
        async (batchId, segmentIndex, treeDepth, rootIn, rootOut, txCount) => {
          const statement: SegmentStatement = {
            treeDepth, logRows: 0, batchId, segmentIndex, rootIn, rootOut, transactions: new Array<Transaction>(txCount).fill(tx),
          };
          const expected = [...publicInputsOf(statement)];
          const onChain = await s.publicClient.readContract({
            address: harness,
            abi: statementHarnessAbi,
            functionName: "publicInputs",
            args: [batchId, segmentIndex, treeDepth, packRoot(rootIn), packRoot(rootOut), txCount],
          });
          assert.deepEqual([...onChain], expected);
          assert.deepEqual(segmentPublicInputs(batchId, segmentIndex, treeDepth, packRoot(rootIn), packRoot(rootOut), txCount), expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("refuses a batch id of 2^60 or more and a segment index of 2^30 or more", async () => {
    const s = sys();
    const root = packRoot([0, 0, 0, 0, 0, 0, 0, 0]);
    const call = (batchId: bigint, index: number) =>
      s.publicClient.readContract({ address: harness, abi: statementHarnessAbi, functionName: "publicInputs", args: [batchId, index, 20, root, root, 0] });
    await assert.rejects(call(1n << 60n, 0), /StatementLib__BatchIdTooLarge/);
    await assert.rejects(call(0n, 2 ** 30), /StatementLib__SegmentIndexTooLarge/);
    assert.throws(() => segmentPublicInputs(1n << 60n, 0, 20, root, root, 0), RangeError);
    assert.throws(() => segmentPublicInputs(0n, 2 ** 30, 20, root, root, 0), RangeError);
  });
});

describe("contracts/gas snapshot", () => {
  const sys = useSystem();

  it("matches contracts/gas-snapshot.json within 2% (regenerate with npx tsx scripts/gas-snapshot.ts)", async function () {
    this.timeout(60_000);
    const snapshot = readSnapshot();
    assert.ok(snapshot, "contracts/gas-snapshot.json is missing");
    const gas = await measureGas(sys());
    assert.deepEqual(compareGas(snapshot.gas, gas, 0.02), []);
  });
});
