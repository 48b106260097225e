/**
 * `verify --onchain`: start a local anvil, deploy the generated Solidity verifier of the proof's AIR
 * with the `--min-security` policy, verify with eth_call, print the verdict and the gas
 * (exit 0 valid, 1 invalid, 2 usage or I/O error, as `verify`).
 */
import { readFile } from "node:fs/promises";
import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { UsageError, describeError } from "../../util/errors.js";
import { airRegistry } from "../../stark/air/air.js";
import "../../stark/airs/index.js";
import { publicColumnsOf, publicInputsOf, statementOf } from "../../rollup/air/index.js";
import { peekAirId, peekHeader } from "../../stark/proof.js";
import { StarkError } from "../../stark/errors.js";
import { toHex } from "../../stark/hash/keccak.js";
import { startAnvil } from "../../chain/anvil.js";
import { deployGasMeter, deployStarkVerifier, hasGeneratedVerifier, measureVerifyGas, verifierContractName, verifyOnChain } from "../../chain/stark-verifier.js";
import { parseAddress, parsePositiveInt } from "../common/parse.js";
import { readProofFile } from "../common/proof-file.js";
import { decodeWitness } from "../../rollup/witness.js";
import { WitnessDecodeError } from "../../rollup/errors.js";
import { CliExit, ExitCode } from "../program.js";
import type { VerifyFlags } from "./register.js";

/** anvil's default dev mnemonic: the deployer of the throw-away local chain. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export async function runVerifyOnChain(flags: VerifyFlags): Promise<void> {
  const minSecurityBits = parsePositiveInt(flags.minSecurity, "--min-security");
  const expectedAddress = flags.proverAddress ? parseAddress(flags.proverAddress, "--prover-address") : undefined;
  const file = await readProofFile(flags.proof);
  let publicInputs: ArrayLike<number> = file.publicInputs;
  let publicColumns: readonly ArrayLike<number>[] = file.publicColumns;
  if (flags.witness !== undefined) {
    let witness;
    try {
      witness = decodeWitness(await readFile(flags.witness));
    } catch (err) {
      if (err instanceof WitnessDecodeError) throw new UsageError(err.message);
      throw new UsageError(`cannot read ${flags.witness}: ${describeError(err)}`);
    }
    const statement = statementOf(witness);
    publicInputs = publicInputsOf(statement);
    publicColumns = publicColumnsOf(statement);
  }
  let air;
  try {
    air = airRegistry.resolve(toHex(peekAirId(file.proof)));
    // The on-chain verifier implements the keccak configuration (L1 takes keccak proofs).
    if (peekHeader(file.proof).hash !== "keccak") {
      throw new UsageError(`the on-chain verifier takes keccak-configuration proofs; this is a ${peekHeader(file.proof).hash} proof (verify it without --onchain)`);
    }
  } catch (err) {
    if (err instanceof StarkError) throw new CliExit(ExitCode.failure, `invalid (on-chain): ${err.message}`);
    throw err;
  }
  if (!hasGeneratedVerifier(air.name)) throw new UsageError(`AIR ${air.name} has no generated on-chain verifier (scripts/gen-verifier.ts VERIFIER_AIRS)`);

  let anvil;
  try {
    // A high block gas limit: eth_call gas defaults to it, and transfer-v1 verifications are large.
    anvil = await startAnvil({ args: ["--gas-limit", "2000000000"] });
  } catch (err) {
    throw new UsageError(`cannot start anvil: ${describeError(err)}`);
  }
  try {
    const transport = http(anvil.rpcUrl);
    const publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 }) as PublicClient;
    const wallet = createWalletClient({ chain: anvilChain, transport, account: mnemonicToAccount(DEV_MNEMONIC) });
    const verifier = await deployStarkVerifier(wallet, publicClient, air.name, minSecurityBits);
    const statement = { airId: air.id, proof: file.proof, publicInputs, publicColumns, prover: expectedAddress ?? file.proverAddress };
    const verdict = await verifyOnChain(publicClient, verifier, statement, { gas: 1_000_000_000n });
    if (!verdict.valid) {
      const args = verdict.args.map((a) => String(a)).join(", ");
      throw new CliExit(ExitCode.failure, `invalid (on-chain): ${verdict.error}(${args})`);
    }
    const gas = await measureVerifyGas(publicClient, await deployGasMeter(wallet, publicClient), verifier, statement);
    process.stdout.write(
      `valid (on-chain): ${air.name} proof accepted by ${verifierContractName(air.name)} (min ${minSecurityBits} bits)\n` +
        `gas: execution ${gas.execution}, calldata ${gas.calldataStandard} (${gas.calldataBytes} bytes; EIP-7623 floor ${gas.calldataFloor}), transaction ${gas.transaction}\n`,
    );
  } finally {
    await anvil.stop();
  }
}
