/** `npm run devnet -- [flags]`: the same as `prover-node devnet [flags]` (see docs/devnet.md). */
import "../src/util/polyfills.js";
import { runCli } from "../src/cli/program.js";

process.exitCode = await runCli([process.argv[0]!, "prover-node", "devnet", ...process.argv.slice(2)]);
