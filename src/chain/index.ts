/**
 * L1 access: typed contract clients, deployment (and the deployment file), anvil for devnets, statement
 * encoding, revert decoding, and the runtime the node composes:
 *   connectChain({urls}) → RpcPool (failover) + viem clients;  new TxSender({}, {publicClient, account, chain});
 *   new MarketReader({market, election, rollup}, {publicClient}) — the one typed reader of the market;
 *   new EventIngester({name: "market", address: market, confirmations, fromBlock}, {publicClient,
 *     cursors: store.chainCursor, commit: (ops) => store.batch(ops), handler}) with a handler that calls
 *     decodeMarketBlock(block, market, terms) once and hands the result to everything that follows L1;
 *   StakingClient for the node's stake checks and staker-side operations (the `stake` CLI).
 */
export * from "./abi/index.js";
export * from "./anvil.js";
export * from "./artifacts.js";
export * from "./contracts.js";
export * from "./deploy.js";
export * from "./errors.js";
export * from "./params.js";
export * from "./statement.js";
export * from "./aggregate.js";
export * from "./chain-error.js";
export * from "./rpc.js";
export * from "./sender.js";
export * from "./ingest.js";
export * from "./market-reader.js";
export * from "./deployment.js";
export * from "./staking.js";
export * from "./market-events.js";
export * from "./options.js";
export * from "./peer-id.js";
export * from "./stake-oracle.js";
