/** Read the keystore password: PROVER_NODE_PASSWORD, else a hidden prompt on a TTY (asked twice). */
import { CliExit, ExitCode } from "../program.js";

export function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new CliExit(ExitCode.failure, "cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

export async function readNewPassword(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let password = env.PROVER_NODE_PASSWORD;
  if (password === undefined) {
    if (!process.stdin.isTTY) throw new CliExit(ExitCode.failure, "error: no keystore password: set PROVER_NODE_PASSWORD or run init on a terminal");
    password = await promptHidden("New keystore password: ");
    const again = await promptHidden("Repeat the password: ");
    if (again !== password) throw new CliExit(ExitCode.failure, "error: the passwords do not match");
  }
  if (password.length === 0) throw new CliExit(ExitCode.failure, "error: refusing an empty keystore password");
  return password;
}

/** Password to unlock an existing keystore: PROVER_NODE_PASSWORD, else a hidden prompt on a TTY (asked once). */
export async function readPassword(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const password = env.PROVER_NODE_PASSWORD;
  if (password !== undefined) return password;
  if (!process.stdin.isTTY) throw new CliExit(ExitCode.failure, "error: set PROVER_NODE_PASSWORD to unlock the staking keystore");
  return promptHidden("Keystore password: ");
}
