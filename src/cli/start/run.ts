/**
 * `prover-node start`: load and validate the config, unlock the staking key, build the node (ProverNode)
 * and run it until SIGINT/SIGTERM, then stop cleanly (jobs stay persisted and resume on the next start).
 * Logs are pino JSON lines (pretty on a TTY); proving progress is drawn as bars on a TTY and summarised
 * in one line per interval otherwise.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CliExit, ExitCode } from "../program.js";
import { dataDirOf } from "../stake/context.js";
import { readPassword } from "../init/password.js";
import { ConfigError, dataPath, loadConfigFile, redactedOpts } from "../../node/config.js";
import { decryptKeystore } from "../../node/keystore.js";
import { ProverNode, NodeError } from "../../node/node.js";
import { createPinoLogger } from "../../util/logger-pino.js";
import { createProgressReporter } from "../../util/progress.js";
import { parseFaults } from "../../node/faults.js";
import { ChainError } from "../../chain/chain-error.js";
import { describeError } from "../../util/errors.js";
import type { StartFlags } from "./register.js";

export async function runStart(flags: StartFlags): Promise<void> {
  const configPath = flags.config ?? join(dataDirOf(flags), "config.json");
  const env = { ...process.env };
  if (flags.dataDir) env.PROVER_NODE_DATA_DIR = dataDirOf(flags);
  let opts;
  try {
    opts = loadConfigFile(configPath, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliExit(ExitCode.failure, `error: ${err.message}`);
    throw err;
  }
  const faults = parseFaults(process.env.PROVER_NODE_FAULTS);
  const tty = Boolean(process.stdout.isTTY);
  const log = createPinoLogger({ level: opts.log.level, pretty: opts.log.format === "pretty" || (opts.log.format === "auto" && tty) });

  const keystorePath = dataPath(opts, opts.keystoreFile);
  let keystore: string;
  try {
    keystore = await readFile(keystorePath, "utf8");
  } catch {
    throw new CliExit(ExitCode.failure, `error: no staking keystore at ${keystorePath} (run \`prover-node init\`)`);
  }
  let key;
  try {
    key = await decryptKeystore(keystore, await readPassword());
  } catch (err) {
    if (err instanceof CliExit) throw err;
    throw new CliExit(ExitCode.failure, `error: cannot unlock ${keystorePath}: ${(err as Error).message}`);
  }
  log.info("Configuration", { config: redactedOpts(opts) });

  let node: ProverNode | undefined;
  try {
    node = await ProverNode.init(opts, { stakingKey: key, logger: log, faults, progress: createProgressReporter({ tty: Boolean(process.stderr.isTTY), log }) });
    await node.start();
  } catch (err) {
    // A start that failed half-way has p2p, the API and the store open: close them, or the process
    // would stay alive doing nothing.
    await node?.stop().catch(() => undefined);
    if (err instanceof NodeError || err instanceof ChainError) throw new CliExit(ExitCode.failure, `error: ${err.message}`);
    throw new CliExit(ExitCode.failure, `error: cannot start the node: ${describeError(err)}`);
  }
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: string): void => {
      signals++;
      if (signals > 1) {
        log.warn("Second signal: exiting now (jobs resume on the next start)");
        process.exit(ExitCode.failure);
      }
      log.info("Signal received: shutting down", { signal: sig });
      void node.stop().then(resolve, resolve);
    };
    process.on("SIGINT", () => onSignal("SIGINT"));
    process.on("SIGTERM", () => onSignal("SIGTERM"));
  });
}
