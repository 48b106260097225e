import { Command, CommanderError } from "commander";
import { ProverNodeError, UsageError, describeError } from "../util/errors.js";
import { commandRegistrations } from "./commands.js";

/** Exit codes shared by every command. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Thrown by a command to end with a specific exit code and a one-line message on stderr.
 * `verify` uses it for "invalid proof" (exit 1).
 */
export class CliExit extends ProverNodeError<{ code: "CLI_EXIT"; exitCode: number }> {
  constructor(exitCode: number, message: string) {
    super({ code: "CLI_EXIT", exitCode }, message);
  }
}

/** Build the commander program. Command modules are imported lazily inside each action. */
export function buildProgram(): Command {
  const program = new Command("prover-node")
    .description("Permissionless peer-to-peer prover network for a zk-rollup")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of commandRegistrations) register(program);
  return program;
}

/** Run the CLI and return the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      if (err.exitCode === 0) return ExitCode.ok;
      return ExitCode.usage;
    }
    if (err instanceof CliExit) {
      if (err.message) process.stderr.write(err.message + "\n");
      return err.type.exitCode;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return ExitCode.usage;
    }
    process.stderr.write(`error: ${describeError(err)}\n`);
    return ExitCode.failure;
  }
}
