/**
 * L1 access: typed contract clients, deployment, anvil for devnets, statement encoding, revert decoding,
 * and the runtime the node composes:
 *   connectChain({urls}) → RpcPool (failover) + viem clients;  new TxSender({}, {publicClient, account, chain});
 *   new ChainJobAdapter({market, fromBlock}, {publicClient, sender})  — jobs/'s JobChain, structurally;
 *   new EventIngester({name: "market", address: market, confirmations, fromBlock}, {publicClient,
 *     cursors: store.chainCursor, commit: (ops) => store.batch(ops), handler}) with a handler that calls
 *     decodeMarketBlock(block, market, terms): `auctioned` → runner.observe + drive, `changed` → drive;
 *   StakingClient for staker-side operations (the `stake` CLI).
 */
export * from "./abi/index.js";
export * from "./anvil.js";
export * from "./artifacts.js";
export * from "./contracts.js";
export * from "./deploy.js";
export * from "./errors.js";
export * from "./params.js";
export * from "./statement.js";
export * from "./chain-error.js";
export * from "./rpc.js";
export * from "./sender.js";
export * from "./ingest.js";
export * from "./job-adapter.js";
export * from "./staking.js";
export * from "./market-events.js";
export * from "./options.js";
export * from "./peer-id.js";
export * from "./stake-oracle.js";
