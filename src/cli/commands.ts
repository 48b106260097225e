import type { Command } from "commander";
import { registerInit } from "./init/register.js";
import { registerProve } from "./prove/register.js";
import { registerVerify } from "./verify/register.js";
import { registerRollup } from "./rollup/register.js";
import { registerBackends } from "./backends/register.js";
import { registerStake } from "./stake/register.js";
import { registerRegister } from "./register/register.js";
import { registerStatus } from "./status/register.js";
import { registerStart } from "./start/register.js";
import { registerDevnet } from "./devnet/register.js";
import { registerBench } from "./bench/register.js";
import { registerAirs } from "./airs/register.js";
import { registerRecurse } from "./recurse/register.js";

/**
 * Every CLI command, as a function that declares its flags on the program. Registration must stay
 * cheap: each command imports its implementation lazily inside its action, so `--help` and offline
 * commands start fast. Add one line per command (one folder per command under src/cli/).
 */
export const commandRegistrations: ReadonlyArray<(program: Command) => void> = [
  registerInit,
  registerStart,
  registerProve,
  registerVerify,
  registerAirs,
  registerRecurse,
  registerRollup,
  registerBackends,
  registerStake,
  registerRegister,
  registerStatus,
  registerDevnet,
  registerBench,
];
