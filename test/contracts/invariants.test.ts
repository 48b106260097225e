/**
 * Property: random sequences of bond / delegate / unbond / withdraw / post / lock / commit / expire /
 * challenge / aggregate / timeout / claim never create or lose tokens, and no account's share goes
 * negative. Every refusal must be a custom error (an arithmetic panic fails the property).
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { createPublicClient, http, parseEther, type Address, type Hex, type PublicClient } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { decodeRevert } from "../../src/chain/errors.js";
import { proveSegment, postBatch, addProver, aggregateArgs, Verdict, type TestBatch } from "../utils/flows.js";
import { DEV_ACCOUNTS, roles, useSystem, type System } from "../utils/system.js";

const provers = roles.provers.slice(0, 3);
const stakers = [...provers, ...roles.delegators];

type Op =
  | { t: "bond"; p: number; amount: number }
  | { t: "delegate"; d: number; p: number; amount: number }
  | { t: "unbond"; s: number; p: number; pct: number }
  | { t: "withdraw"; s: number; p: number; wait: boolean }
  | { t: "time"; secs: number }
  | { t: "post"; n: number }
  | { t: "lock"; p: number; b: number; i: number }
  | { t: "commit"; p: number; b: number; i: number; valid: boolean }
  | { t: "expire"; b: number; i: number }
  | { t: "challenge"; b: number; i: number }
  | { t: "aggregate"; b: number }
  | { t: "timeout"; b: number }
  | { t: "claim"; p: number };

const pick = fc.nat({ max: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ t: fc.constant("bond" as const), p: pick, amount: fc.integer({ min: 1, max: 500 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("delegate" as const), d: pick, p: pick, amount: fc.integer({ min: 1, max: 2000 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("unbond" as const), s: fc.nat({ max: 5 }), p: pick, pct: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("withdraw" as const), s: fc.nat({ max: 5 }), p: pick, wait: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("time" as const), secs: fc.constantFrom(10, 61, 200, 601) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("post" as const), n: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("lock" as const), p: pick, b: fc.nat({ max: 3 }), i: pick }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("commit" as const), p: pick, b: fc.nat({ max: 3 }), i: pick, valid: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("expire" as const), b: fc.nat({ max: 3 }), i: pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("challenge" as const), b: fc.nat({ max: 3 }), i: pick }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("aggregate" as const), b: fc.nat({ max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("timeout" as const), b: fc.nat({ max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("claim" as const), p: pick }) },
);

describe("contracts/invariants (property-based)", () => {
  const sys = useSystem();
  let reader: PublicClient;
  let baseSupply: bigint;

  before(async () => {
    reader = createPublicClient({ chain: anvilChain, transport: http(sys().anvil.rpcUrl, { batch: true }) }) as PublicClient;
  });

  async function conservation(s: System): Promise<void> {
    const { token, staking, market } = s.c;
    const read = <T>(p: Promise<T>) => p;
    const [stakingBal, marketBal, escrow, bounties, supply, pools, rewards, balances] = await Promise.all([
      read(reader.readContract({ ...token, functionName: "balanceOf", args: [staking.address] })),
      read(reader.readContract({ ...token, functionName: "balanceOf", args: [market.address] })),
      read(reader.readContract({ ...market, functionName: "totalEscrow" })),
      read(reader.readContract({ ...market, functionName: "totalBounties" })),
      read(reader.readContract({ ...token, functionName: "totalSupply" })),
      Promise.all(provers.map((p) => reader.readContract({ ...staking, functionName: "poolOf", args: [p.address] }))),
      Promise.all(provers.map((p) => reader.readContract({ ...staking, functionName: "rewardsOf", args: [p.address] }))),
      Promise.all(
        [...DEV_ACCOUNTS.map((a) => a.address), staking.address, market.address, s.c.rollup.address, s.c.election.address].map(
          (a: Address) => reader.readContract({ ...token, functionName: "balanceOf", args: [a] }),
        ),
      ),
    ]);
    const pooled = pools.reduce((acc, p) => acc + p.activeStake + p.unbondingStake, 0n);
    const owed = rewards.reduce((a, r) => a + r, 0n);
    assert.equal(stakingBal, pooled + owed, "staking balance = active + unbonding stake + unclaimed commission");
    assert.equal(marketBal, escrow + bounties, "market balance = fee escrow + bounties");
    assert.equal(balances.reduce((a, b) => a + b, 0n), supply, "no tokens outside known holders");
    assert.ok(supply <= baseSupply, "tokens are never created");
    for (const p of pools) assert.ok(p.locked <= p.activeStake, "locked collateral is backed by active stake");
  }

  async function shares(s: System): Promise<void> {
    const { staking } = s.c;
    for (const p of provers) {
      const pool = await reader.readContract({ ...staking, functionName: "poolOf", args: [p.address] });
      const held = await Promise.all(stakers.map((st) => reader.readContract({ ...staking, functionName: "sharesOf", args: [p.address, st.address] })));
      const value = await Promise.all(stakers.map((st) => reader.readContract({ ...staking, functionName: "stakeOf", args: [p.address, st.address] })));
      const pending = await Promise.all(stakers.map((st) => reader.readContract({ ...staking, functionName: "pendingOf", args: [p.address, st.address] })));
      assert.equal(held.reduce((a, b) => a + b, 0n), pool.activeShares, "shares add up to the pool's shares");
      assert.ok(value.reduce((a, b) => a + b, 0n) <= pool.activeStake, "claims never exceed the active stake");
      assert.ok(pending.reduce((a, [amt]) => a + amt, 0n) <= pool.unbondingStake, "pending claims never exceed unbonding stake");
    }
  }

  let acted = false;
  async function apply(s: System, op: Op, batches: TestBatch[], proofs: Map<string, Hex>): Promise<void> {
    const { c } = s;
    acted = false;
    const realSend = s.send;
    const send: System["send"] = async (h) => {
      const r = await realSend(h);
      acted = true;
      return r;
    };
    s = { ...s, send };
    const b = "b" in op ? batches[op.b % Math.max(batches.length, 1)] : undefined;
    switch (op.t) {
      case "bond":
        return void (await s.send(c.staking.write.bond([parseEther(String(op.amount))], { account: provers[op.p]! })));
      case "delegate":
        return void (await s.send(c.staking.write.delegate([provers[op.p]!.address, parseEther(String(op.amount))], { account: roles.delegators[op.d]! })));
      case "unbond": {
        // the first (staker, prover) pair from the drawn one that holds stake
        for (let k = 0; k < stakers.length * provers.length; k++) {
          const st = stakers[(op.s + k) % stakers.length]!;
          const prover = provers[(op.p + Math.floor(k / stakers.length)) % provers.length]!;
          const value = await c.staking.read.stakeOf([prover.address, st.address]);
          if (value === 0n) continue;
          const amount = (value * BigInt(op.pct)) / 100n;
          return void (await s.send(c.staking.write.requestUndelegate([prover.address, amount], { account: st })));
        }
        return;
      }
      case "withdraw": {
        for (let k = 0; k < stakers.length * provers.length; k++) {
          const st = stakers[(op.s + k) % stakers.length]!;
          const prover = provers[(op.p + Math.floor(k / stakers.length)) % provers.length]!;
          const [amount] = await c.staking.read.pendingOf([prover.address, st.address]);
          if (amount === 0n) continue;
          if (op.wait) await s.increaseTime(s.deployment.params.staking.unbondingDelay);
          return void (await s.send(c.staking.write.withdraw([prover.address], { account: st })));
        }
        return;
      }
      case "time":
        acted = true;
        return s.increaseTime(op.secs);
      case "post":
        batches.push(await postBatch(s, op.n));
        return;
      case "claim":
        return void (await s.send(c.staking.write.claimRewards({ account: provers[op.p]! })));
    }
    if (!b) return;
    // Batch operations look, from the drawn (batch, segment), for one in the state they need, so that
    // random sequences reach deep states (locked, committed, finalised) often.
    const P = s.deployment.params;
    const find = async (want: number): Promise<[TestBatch, number] | undefined> => {
      for (let k = 0; k < batches.length; k++) {
        const bb = batches[(op.b + k) % batches.length]!;
        if ((await c.market.read.getBatch([bb.batchId])).status !== 1) continue;
        const n = bb.segments.length;
        for (let j = 0; j < n; j++) {
          const idx = (("i" in op ? op.i : 0) + j) % n;
          if ((await c.market.read.getSegment([bb.batchId, idx])).status === want) return [bb, idx];
        }
      }
      return undefined;
    };
    switch (op.t) {
      case "lock": {
        const f = await find(1);
        if (f) await s.send(c.market.write.lock([f[0].batchId, f[1]], { account: provers[op.p]! }));
        return;
      }
      case "commit": {
        const f = await find(2);
        if (!f) return;
        const seg = await c.market.read.getSegment([f[0].batchId, f[1]]);
        const prover = provers.find((p) => p.address === seg.locker)!;
        const verdict = op.valid ? Verdict.Valid : Verdict.Unknown;
        const proof = await proveSegment(s, f[0], f[1], prover, { lock: false, verdict, attempt: proofs.size });
        proofs.set(`${f[0].batchId}-${f[1]}`, proof);
        return;
      }
      case "expire": {
        const f = await find(2);
        if (!f) return;
        await s.increaseTime(P.market.lockTimeout + 1n);
        return void (await s.send(c.market.write.expireLock([f[0].batchId, f[1]], { account: roles.outsider })));
      }
      case "challenge": {
        const f = await find(3);
        if (!f) return;
        const proof = proofs.get(`${f[0].batchId}-${f[1]}`)!;
        const column = f[0].segments[f[1]]!.column;
        return void (await s.send(c.market.write.challengeProof([f[0].batchId, f[1], proof, column], { account: roles.challenger })));
      }
      case "aggregate": {
        for (let k = 0; k < batches.length; k++) {
          const bb = batches[(op.b + k) % batches.length]!;
          const info = await c.market.read.getBatch([bb.batchId]);
          if (info.status !== 1 || info.fullyCommittedBlock === 0n) continue;
          await s.mine(P.election.aggregatorWindow * BigInt(P.election.fallbackRanks)); // open race
          const list = bb.segments.map((seg) => proofs.get(`${bb.batchId}-${seg.index}`)!);
          return void (await s.send(c.rollup.write.submitAggregate([bb.batchId, aggregateArgs(bb, list)], { account: roles.outsider })));
        }
        return;
      }
      case "timeout": {
        const info = await c.market.read.getBatch([b.batchId]);
        if (info.status !== 1) return;
        const now = await s.now();
        if (now < info.timeoutAt) await s.increaseTime(info.timeoutAt - now);
        return void (await s.send(c.market.write.timeoutBatch([b.batchId], { account: roles.outsider })));
      }
    }
  }

  it("never creates or loses tokens; shares stay consistent", async function () {
    this.timeout(150_000);
    const s = sys();
    for (const p of provers) await addProver(s, p, parseEther("300"));
    baseSupply = await s.c.token.read.totalSupply();
    const snap = await s.test.snapshot();
    let snapshotId = snap;
    let refused = 0;
    let done = 0;
    const okByType = new Map<string, number>();
    const refusedBy = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 6, maxLength: 24 }), async (ops) => {
        await s.test.revert({ id: snapshotId });
        snapshotId = await s.test.snapshot();
        const batches: TestBatch[] = [await postBatch(s, 1)];
        const proofs = new Map<string, Hex>();
        for (const op of ops) {
          try {
            await apply(s, op, batches, proofs);
            if (acted) {
              done++;
              okByType.set(op.t, (okByType.get(op.t) ?? 0) + 1);
            }
          } catch (err) {
            const decoded = decodeRevert(err);
            if (!decoded) throw err; // a panic or anything else that is not a designed refusal
            refused++;
            const key = `${op.t}:${decoded.errorName}`;
            refusedBy.set(key, (refusedBy.get(key) ?? 0) + 1);
          }
          await conservation(s);
        }
        await shares(s);
      }),
      { numRuns: 30, seed: 424242, endOnFailure: true },
    );
    await s.test.revert({ id: snapshotId });
    if (process.env.INVARIANT_STATS) console.log({ done, refused, okByType, refusedBy });
    // The sequences must actually exercise the paths the property is about.
    for (const t of ["bond", "delegate", "unbond", "withdraw", "lock", "commit", "expire", "challenge", "aggregate", "timeout"]) {
      assert.ok((okByType.get(t) ?? 0) > 0, `no successful ${t} in any sequence`);
    }
    assert.ok(done > refused / 4, `too few operations succeeded (${done} ok, ${refused} refused)`);
  });
});
