import { redactRpcUrl } from "../../chain/rpc.js";
import { fmt, openChain, print, withChainErrors, type ChainFlags } from "../stake/context.js";

export async function runStatus(flags: ChainFlags & { json: boolean }): Promise<void> {
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const [block, s] = await Promise.all([ctx.conn.public.getBlockNumber(), ctx.staking.status()]);
    const rpc = redactRpcUrl(ctx.conn.pool.activeUrl);
    if (flags.json) {
      print(JSON.stringify({ rpc, chainId: ctx.conn.chain.id, block, ...s }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
      return;
    }
    print(`rpc:         ${rpc} (${ctx.conn.pool.activeIndex + 1} of ${ctx.conn.pool.urls.length})`);
    print(`chain:       ${ctx.conn.chain.id}, block ${block}`);
    print(`account:     ${s.account}`);
    print(`registered:  ${s.registered ? (s.active ? "yes, active" : "yes, inactive (self-stake below the minimum)") : "no"}`);
    print(`self-stake:  ${fmt(s.selfStake)} (free ${fmt(s.freeStake)}, locked ${fmt(s.locked)})`);
    print(`balances:    ${fmt(s.tokenBalance)}, ${fmt(s.nativeBalance).replace("tokens", "ETH")}`);
  });
}
