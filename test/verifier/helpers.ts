/** Shared fixture of the on-chain verifier tests: one anvil per file, verifiers deployed once. */
import { createPublicClient, createWalletClient, http, type Account, type Address, type Chain as ViemChain, type PublicClient, type Transport, type WalletClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { buildContracts } from "../../scripts/build-contracts.js";
import { startAnvil, type AnvilInstance } from "../../src/chain/anvil.js";
import { deployGasMeter, deployQueryPhase, deployStarkVerifier, verifyOnChain, type OnChainVerdict } from "../../src/chain/stark-verifier.js";
import { JsBackend } from "../../src/backends/js/index.js";
import { proveStark } from "../../src/stark/prover.js";
import { verifyStark } from "../../src/stark/verifier.js";
import { StarkError } from "../../src/stark/errors.js";
import type { ProofOptions } from "../../src/stark/options.js";
import type { Air, AirInstance } from "../../src/stark/air/air.js";

export const PROVER = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
/** eth_call gas cap for the tests (transfer-v1 verifications run to tens of millions). */
export const CALL_GAS = 1_000_000_000n;

export interface Chain {
  anvil: AnvilInstance;
  publicClient: PublicClient;
  wallet: WalletClient<Transport, ViemChain, Account>;
  /** Deploy (once per AIR and policy) the generated verifier. */
  verifier(airName: string, minSecurityBits: number): Promise<Address>;
  meter(): Promise<Address>;
  stop(): Promise<void>;
}

let built = false;
export function ensureBuilt(): void {
  if (built) return;
  buildContracts({ writeAbi: false });
  built = true;
}

/**
 * An anvil with the verifiers deployed on demand. The default chain id is the local devnet's (31337), where
 * verifier policies below the security floor (the insecure test options) are allowed.
 */
export async function startChain(opts: { chainId?: number } = {}): Promise<Chain> {
  ensureBuilt();
  // A high block gas limit: eth_call gas defaults to it, and transfer-v1 verifications are large.
  const anvil = await startAnvil({ args: ["--gas-limit", "2000000000"], ...(opts.chainId ? { chainId: opts.chainId } : {}) });
  const transport = http(anvil.rpcUrl);
  const publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 }) as PublicClient;
  const chain = { ...anvilChain, id: anvil.chainId };
  const wallet = createWalletClient({ chain, transport, account: mnemonicToAccount("test test test test test test test test test test test junk") });
  const deployed = new Map<string, Promise<Address>>();
  let meter: Promise<Address> | undefined;
  let queryPhase: Promise<Address> | undefined;
  return {
    anvil,
    publicClient,
    wallet,
    verifier(airName, bits) {
      const key = `${airName}/${bits}`;
      let p = deployed.get(key);
      if (!p) {
        queryPhase ??= deployQueryPhase(wallet, publicClient);
        deployed.set(key, (p = queryPhase.then((qp) => deployStarkVerifier(wallet, publicClient, airName, bits, { queryPhase: qp }))));
      }
      return p;
    },
    meter() {
      meter ??= deployGasMeter(wallet, publicClient);
      return meter;
    },
    stop: () => anvil.stop(),
  };
}

export interface Case {
  air: Air;
  instance: AirInstance;
  options: ProofOptions;
  bytes: Uint8Array;
}

/** A keccak-configuration proof from the js backend; `checkConstraints: false` forces a proof of a false statement. */
export async function prove(air: Air, instance: AirInstance, options: ProofOptions, opts: { checkConstraints?: boolean } = {}): Promise<Case> {
  const r = await proveStark({ air, instance, options, hash: "keccak", proverAddress: PROVER, backend: new JsBackend(), ...opts });
  return { air, instance, options, bytes: r.bytes };
}

export interface Statement {
  publicInputs: ArrayLike<number>;
  publicColumns: readonly ArrayLike<number>[];
  prover: Uint8Array;
}

export function statementOf(c: Case): Statement {
  return { publicInputs: c.instance.publicInputs, publicColumns: c.instance.publicColumns, prover: PROVER };
}

/** The TS verdict: null when valid, else the StarkError code. */
export function tsVerdict(air: Air, bytes: Uint8Array, s: Statement, minSecurityBits: number): string | null {
  try {
    verifyStark({ air, proof: bytes, publicInputs: s.publicInputs, publicColumns: s.publicColumns, proverAddress: s.prover, policy: { minSecurityBits } });
    return null;
  } catch (err) {
    if (err instanceof StarkError) return err.code;
    throw err;
  }
}

export async function chainVerdict(chain: Chain, air: Air, bytes: Uint8Array, s: Statement, minSecurityBits: number, packed = false): Promise<OnChainVerdict> {
  const verifier = await chain.verifier(air.name, minSecurityBits);
  return verifyOnChain(chain.publicClient, verifier, { airId: air.id, proof: bytes, publicInputs: s.publicInputs, publicColumns: s.publicColumns, prover: s.prover }, { packed, gas: CALL_GAS });
}
