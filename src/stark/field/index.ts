export * as F from "./babybear.js";
export * as K from "./extension.js";
export type { Ext } from "./extension.js";
