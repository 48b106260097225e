#!/usr/bin/env node
// The polyfills must load before anything that pulls in libp2p.
import "../util/polyfills.js";
import { runCli } from "./program.js";

process.exitCode = await runCli(process.argv);
