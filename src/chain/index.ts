/** L1 access: typed contract clients, deployment, anvil for devnets, statement encoding, revert decoding. */
export * from "./abi/index.js";
export * from "./anvil.js";
export * from "./artifacts.js";
export * from "./contracts.js";
export * from "./deploy.js";
export * from "./errors.js";
export * from "./params.js";
export * from "./statement.js";
