export { ApiServer, type ApiServerModules } from "./server.js";
export type { ApiProviders, JobView, NodeStatus, Readiness } from "./interface.js";
export { defaultApiOpts, type ApiOpts } from "./options.js";
