/**
 * The gas scenario behind contracts/gas-snapshot.json: the important calls, each measured from its
 * receipt on a fresh system. Verification inside challengeProof and submitAggregate uses the test
 * stand-in verifier, so those figures are the contracts' own overhead, without STARK verification.
 */
import { parseEther, type Hex, type TransactionReceipt } from "viem";
import { proofHash } from "../../src/chain/statement.js";
import { addProver, aggregateArgs, electedAccount, peerIdFor, postBatch, proofBytes, proveSegment, Verdict } from "./flows.js";
import { roles, type System } from "./system.js";

export type GasFigures = Record<string, number>;

export async function measureGas(s: System): Promise<GasFigures> {
  const g: GasFigures = {};
  const gas = (r: TransactionReceipt) => Number(r.gasUsed);
  const [p1, p2, p3] = roles.provers as [typeof roles.deployer, typeof roles.deployer, typeof roles.deployer];
  const { c } = s;

  g.register = gas(await s.send(c.staking.write.register([peerIdFor(p1)], { account: p1 })));
  g.bond_first = gas(await s.send(c.staking.write.bond([parseEther("1000")], { account: p1 })));
  g.bond_more = gas(await s.send(c.staking.write.bond([parseEther("10")], { account: p1 })));
  g.delegate = gas(await s.send(c.staking.write.delegate([p1.address, parseEther("500")], { account: roles.delegators[0]! })));
  await addProver(s, p2);
  await addProver(s, p3);

  const b1 = await postBatch(s, 1);
  const b4 = await postBatch(s, 4, { startRoot: b1.finalRoot }); // finalised after b1
  g.postBatch_1_segment = Number(b1.postGas);
  g.postBatch_per_extra_segment = Math.round(Number(b4.postGas - b1.postGas) / 3);

  // lock and commit by hand, to measure each
  g.lock = gas(await s.send(c.market.write.lock([b4.batchId, 0], { account: p2 })));
  const proof0 = proofBytes(b4, 0, p2.address);
  await s.send(s.mock.write.setVerdict([proofHash(proof0), Verdict.Valid, p2.address], { account: roles.deployer }));
  const seg0 = b4.segments[0]!;
  g.commitProof = gas(
    await s.send(c.market.write.commitProof([b4.batchId, 0, proofHash(proof0), seg0.rootIn, seg0.rootOut], { account: p2 })),
  );
  const proofs4: Hex[] = [proof0];
  for (let i = 1; i < 4; i++) proofs4.push(await proveSegment(s, b4, i, p2, { verdict: i === 3 ? Verdict.Unknown : Verdict.Valid }));
  g.challengeProof_invalid = gas(
    await s.send(
      c.market.write.challengeProof([b4.batchId, 3, proofs4[3]!, b4.segments[3]!.column], { account: roles.challenger, gas: 12_000_000n }),
    ),
  );
  proofs4[3] = await proveSegment(s, b4, 3, p3);
  const proof1 = await proveSegment(s, b1, 0, p1);

  const agg1 = await electedAccount(s, b1.batchId);
  g.submitAggregate_1_segment = gas(await s.send(c.rollup.write.submitAggregate([b1.batchId, aggregateArgs(b1, [proof1])], { account: agg1 })));
  const agg4 = await electedAccount(s, b4.batchId);
  g.submitAggregate_4_segments = gas(await s.send(c.rollup.write.submitAggregate([b4.batchId, aggregateArgs(b4, proofs4)], { account: agg4 })));
  g.submitAggregate_per_segment = Math.round(g.submitAggregate_4_segments / 4);
  g.submitAggregate_per_extra_segment = Math.round((g.submitAggregate_4_segments - g.submitAggregate_1_segment) / 3);

  // a batch whose segments were verified one by one beforehand: the aggregate skips verification
  const b6 = await postBatch(s, 4, { startRoot: b4.finalRoot });
  for (let i = 0; i < 4; i++) {
    const proof = await proveSegment(s, b6, i, p2);
    const r = await s.send(c.market.write.challengeProof([b6.batchId, i, proof, b6.segments[i]!.column], { account: roles.challenger, gas: 12_000_000n }));
    if (i === 0) g.challengeProof_valid = gas(r);
  }
  const agg6 = await electedAccount(s, b6.batchId);
  const empty = b6.segments.map(() => ({ proof: "0x" as Hex, publicColumn: [] as number[] }));
  g.submitAggregate_4_preverified = gas(await s.send(c.rollup.write.submitAggregate([b6.batchId, empty], { account: agg6 })));

  g.requestUnbond = gas(await s.send(c.staking.write.requestUnbond([parseEther("10")], { account: p1 })));
  await s.increaseTime(s.deployment.params.staking.unbondingDelay);
  g.withdraw = gas(await s.send(c.staking.write.withdraw([p1.address], { account: p1 })));

  const b5 = await postBatch(s, 1);
  await s.send(c.market.write.lock([b5.batchId, 0], { account: p1 }));
  await s.increaseTime(s.deployment.params.market.lockTimeout + 1n);
  g.expireLock = gas(await s.send(c.market.write.expireLock([b5.batchId, 0], { account: roles.outsider })));
  return g;
}
