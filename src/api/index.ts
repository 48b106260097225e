export { ApiServer, type ApiServerModules } from "./server.js";
export type { ApiProviders, NodeStatus, Readiness } from "./interface.js";
export { defaultApiOpts, type ApiOpts } from "./options.js";
