/**
 * Configuration: a JSON file + environment overrides → validated NodeOpts. Every error names the field
 * (and the environment variable, when it came from one) and why it is wrong. Unknown keys are errors
 * (a typo must not silently fall back to a default). Secrets never belong in the file; RPC URLs may
 * carry API keys, so the validated options print redacted (toJSON / toString / util.inspect).
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { inspect } from "node:util";
import { ProverNodeError } from "../util/errors.js";
import { LOG_LEVELS } from "../util/logger-pino.js";
import { parseProfile, type ProvingProfile } from "../market/pricing.js";
import { NodeError } from "./errors.js";
import { OPTION_PRESETS } from "../stark/options.js";
import { MAX_LOG_ROWS, MIN_LOG_ROWS } from "../rollup/segment.js";
import { BACKEND_KINDS, CONTRACT_NAMES, defaultNodeOpts, type NodeOpts } from "./options.js";

export class ConfigError extends ProverNodeError<{ code: "CONFIG_INVALID"; field: string; reason: string }> {
  constructor(field: string, reason: string) {
    super({ code: "CONFIG_INVALID", field, reason }, `invalid configuration: ${field}: ${reason}`);
  }
}

type Spec =
  | { t: "string"; nonEmpty?: boolean; oneOf?: readonly string[]; pattern?: [RegExp, string] }
  | { t: "int"; min: number; max: number }
  | { t: "number"; min: number; max: number }
  | { t: "bool" }
  | { t: "bigint" }
  | { t: "strings"; minItems?: number; item?: Spec }
  | { t: "nullable"; inner: Spec }
  | { t: "object"; fields: Record<string, Spec>; optionalFields?: boolean };

const url = (protocols: string[]): Spec => ({ t: "string", pattern: [new RegExp(`^(${protocols.join("|")})://[^\\s]+$`), `a ${protocols.join(" or ")} URL`] });
const address: Spec = { t: "string", pattern: [/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte hex address"] };
const multiaddr: Spec = { t: "string", pattern: [/^\/[^\s]+$/, "a multiaddr such as /ip4/1.2.3.4/tcp/9000/p2p/12D3KooW…"] };

const PRESETS = Object.keys(OPTION_PRESETS);

const SCHEMA: Spec = {
  t: "object",
  fields: {
    dataDir: { t: "string", nonEmpty: true },
    network: { t: "string", pattern: [/^[a-z0-9][a-z0-9-]{0,31}$/, "lowercase letters, digits and '-' (at most 32)"] },
    keystoreFile: { t: "string", nonEmpty: true },
    chain: {
      t: "object",
      fields: {
        rpcUrls: { t: "strings", minItems: 1, item: url(["http", "https", "ws", "wss"]) },
        chainId: { t: "nullable", inner: { t: "int", min: 1, max: 2 ** 53 - 1 } },
        deploymentFile: { t: "nullable", inner: { t: "string", nonEmpty: true } },
        contracts: { t: "object", optionalFields: true, fields: Object.fromEntries(CONTRACT_NAMES.map((n) => [n, address])) },
        confirmations: { t: "int", min: 0, max: 1000 },
        finalityDepth: { t: "int", min: 0, max: 10_000 },
        pollIntervalMs: { t: "int", min: 100, max: 600_000 },
      },
    },
    p2p: {
      t: "object",
      fields: {
        listenAddrs: { t: "strings", item: multiaddr },
        bootstrapPeers: { t: "strings", item: multiaddr },
        mdns: { t: "bool" },
        privateAddresses: { t: "bool" },
        peerKeyFile: { t: "string", nonEmpty: true },
      },
    },
    backend: { t: "object", fields: { kind: { t: "string", oneOf: BACKEND_KINDS }, threads: { t: "int", min: 0, max: 1024 } } },
    provers: { t: "object", fields: { workers: { t: "int", min: 1, max: 256 } } },
    jobs: {
      t: "object",
      fields: {
        proofOptionsPreset: { t: "string", oneOf: ["default", "test"] },
        txWaitMs: { t: "int", min: 1000, max: 3_600_000 },
        proofRetentionMs: { t: "int", min: 0, max: 365 * 86_400_000 },
        lostLockGraceMs: { t: "int", min: 0, max: 3_600_000 },
      },
    },
    market: {
      t: "object",
      fields: {
        costPerHour: { t: "bigint" },
        marginBps: { t: "int", min: 0, max: 1_000_000 },
        maxConcurrentJobs: { t: "int", min: 1, max: 10_000 },
        safetyFactor: { t: "number", min: 1, max: 100 },
        overheadSeconds: { t: "int", min: 0, max: 86_400 },
        breakerFailures: { t: "int", min: 1, max: 1000 },
        breakerCooldownSeconds: { t: "int", min: 1, max: 7 * 86_400 },
        warnFreeStake: { t: "bigint" },
        minGasBalance: { t: "bigint" },
        warnGasBalance: { t: "bigint" },
      },
    },
    aggregator: { t: "object", fields: { fetchTimeoutMs: { t: "int", min: 1000, max: 3_600_000 } } },
    aggregate: {
      t: "nullable",
      inner: {
        t: "object",
        fields: {
          segmentLogRows: { t: "int", min: MIN_LOG_ROWS, max: MAX_LOG_ROWS },
          segmentOptions: { t: "string", oneOf: PRESETS },
          treeOptions: { t: "string", oneOf: PRESETS },
          wrapOptions: { t: "string", oneOf: PRESETS },
        },
      },
    },
    api: { t: "object", fields: { enabled: { t: "bool" }, host: { t: "string", nonEmpty: true }, port: { t: "int", min: 0, max: 65_535 } } },
    log: { t: "object", fields: { level: { t: "string", oneOf: LOG_LEVELS }, format: { t: "string", oneOf: ["auto", "json", "pretty"] } } },
  },
};

/** Environment variables that override the file (documented in docs/operator.md). */
export const ENV_OVERRIDES: Readonly<Record<string, string>> = {
  PROVER_NODE_DATA_DIR: "dataDir",
  PROVER_NODE_NETWORK: "network",
  PROVER_NODE_RPC_URLS: "chain.rpcUrls",
  PROVER_NODE_CHAIN_ID: "chain.chainId",
  PROVER_NODE_DEPLOYMENT_FILE: "chain.deploymentFile",
  PROVER_NODE_LISTEN_ADDRS: "p2p.listenAddrs",
  PROVER_NODE_BOOTSTRAP_PEERS: "p2p.bootstrapPeers",
  PROVER_NODE_BACKEND: "backend.kind",
  PROVER_NODE_THREADS: "backend.threads",
  PROVER_NODE_PROVER_WORKERS: "provers.workers",
  PROVER_NODE_API_HOST: "api.host",
  PROVER_NODE_API_PORT: "api.port",
  PROVER_NODE_LOG_LEVEL: "log.level",
};

/** Keys that look like secrets: refused anywhere in the file. */
const SECRET_KEYS = /^(password|passphrase|privateKey|private_key|mnemonic|secret|seed)$/i;

function check(spec: Spec, value: unknown, fallback: unknown, field: string, env: Map<string, string>): unknown {
  const envName = env.get(field);
  const name = envName ? `${envName} (${field})` : field;
  const fail = (reason: string): never => {
    throw new ConfigError(name, reason);
  };
  if (value === undefined) return fallback === undefined ? undefined : structuredClone(fallback);
  // Values from the environment are strings: coerce them for the field's type.
  if (envName && typeof value === "string") {
    if (spec.t === "int" || spec.t === "number" || (spec.t === "nullable" && spec.inner.t === "int")) value = value.trim() === "" ? NaN : Number(value);
    else if (spec.t === "bool") value = value === "true" ? true : value === "false" ? false : value;
    else if (spec.t === "strings") value = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  }
  switch (spec.t) {
    case "string":
      if (typeof value !== "string") return fail(`must be a string, got ${JSON.stringify(value)}`);
      if (spec.nonEmpty && value.length === 0) return fail("must not be empty");
      if (spec.oneOf && !spec.oneOf.includes(value)) return fail(`must be one of ${spec.oneOf.join(", ")}, got "${value}"`);
      if (spec.pattern && !spec.pattern[0].test(value)) return fail(`must be ${spec.pattern[1]}, got "${redactUrl(value)}"`);
      return value;
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value) || value < spec.min || value > spec.max) return fail(`must be an integer in [${spec.min}, ${spec.max}], got ${JSON.stringify(value)}`);
      return value;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value) || value < spec.min || value > spec.max) return fail(`must be a number in [${spec.min}, ${spec.max}], got ${JSON.stringify(value)}`);
      return value;
    case "bool":
      if (typeof value !== "boolean") return fail(`must be true or false, got ${JSON.stringify(value)}`);
      return value;
    case "bigint":
      if (typeof value !== "string" || !/^(0|[1-9][0-9]*)$/.test(value)) return fail(`must be a non-negative integer written as a decimal string (e.g. "1000000000000000000"), got ${JSON.stringify(value)}`);
      return BigInt(value);
    case "strings": {
      if (!Array.isArray(value)) return fail(`must be an array of strings, got ${JSON.stringify(value)}`);
      if (value.length < (spec.minItems ?? 0)) return fail(`must have at least ${spec.minItems} entr${spec.minItems === 1 ? "y" : "ies"}`);
      return value.map((v, i) => (spec.item ? check(spec.item, v, undefined, `${field}[${i}]`, env) : v));
    }
    case "nullable":
      return value === null ? null : check(spec.inner, value, undefined, field, env);
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(`must be an object, got ${JSON.stringify(value)}`);
      const out: Record<string, unknown> = {};
      const base = (fallback ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(value)) {
        const path = field ? `${field}.${key}` : key;
        if (SECRET_KEYS.test(key)) throw new ConfigError(path, "secrets do not belong in the config file (the keystore password comes from PROVER_NODE_PASSWORD or a prompt)");
        if (!(key in spec.fields)) throw new ConfigError(path, `unknown option (known: ${Object.keys(spec.fields).join(", ")})`);
      }
      for (const [key, sub] of Object.entries(spec.fields)) {
        const path = field ? `${field}.${key}` : key;
        const v = check(sub, (value as Record<string, unknown>)[key], base[key], path, env);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
  }
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== "object" || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys.at(-1)!] = value;
}

/** "https://user:key@host/v2/KEY?x=1" → "https://***@host/***": keep what identifies the provider. */
export function redactUrl(u: string): string {
  try {
    const parsed = new URL(u);
    const auth = parsed.username || parsed.password ? "***@" : "";
    const rest = parsed.pathname !== "/" || parsed.search ? "/***" : "";
    return `${parsed.protocol}//${auth}${parsed.host}${rest}`;
  } catch {
    return u;
  }
}

/** The options as safe to print: RPC URLs redacted, bigints as strings. */
export function redactedOpts(opts: NodeOpts): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify({ ...opts, chain: { ...opts.chain, rpcUrls: opts.chain.rpcUrls.map(redactUrl) } }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;
  return plain;
}

function makeSafeToPrint(opts: NodeOpts): NodeOpts {
  const printable = (): Record<string, unknown> => redactedOpts(opts);
  for (const target of [opts, opts.chain] as object[]) {
    const view = target === opts ? printable : () => printable().chain;
    Object.defineProperty(target, "toJSON", { value: view, enumerable: false });
    Object.defineProperty(target, "toString", { value: () => JSON.stringify(view()), enumerable: false });
    Object.defineProperty(target, inspect.custom, { value: () => view(), enumerable: false });
  }
  Object.defineProperty(opts.chain.rpcUrls, "toJSON", { value: () => opts.chain.rpcUrls.map(redactUrl), enumerable: false });
  return opts;
}

function expandPath(p: string, baseDir: string): string {
  if (p === "~" || p.startsWith("~/")) return resolve(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

export interface ParseConfigOptions {
  /** Environment for overrides (default: none). */
  env?: Record<string, string | undefined>;
  /** Directory relative paths in the file resolve against (the config file's directory). */
  baseDir?: string;
}

/** Validate a parsed config object, apply environment overrides, fill defaults. */
export function parseConfig(raw: unknown, { env = {}, baseDir = process.cwd() }: ParseConfigOptions = {}): NodeOpts {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError("(file)", "must be a JSON object");
  const merged = structuredClone(raw) as Record<string, unknown>;
  const envFields = new Map<string, string>();
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v === undefined) continue;
    setPath(merged, path, v);
    envFields.set(path, name);
  }
  // Each array entry from the env names its variable too.
  for (const [path, name] of [...envFields]) {
    const v = env[name]!;
    v.split(",").forEach((_, i) => envFields.set(`${path}[${i}]`, name));
  }
  const opts = check(SCHEMA, merged, defaultNodeOpts, "", envFields) as NodeOpts;
  if ((opts.aggregate as NodeOpts["aggregate"] | null) === null) delete opts.aggregate;
  if (opts.aggregate) {
    for (const key of ["segmentLogRows", "segmentOptions", "treeOptions", "wrapOptions"] as const) {
      if (opts.aggregate[key] === undefined) throw new ConfigError(`aggregate.${key}`, "is required when aggregate is present");
    }
  }
  if (opts.market.warnGasBalance < opts.market.minGasBalance) throw new ConfigError("market.warnGasBalance", "must be at least market.minGasBalance");
  opts.dataDir = expandPath(opts.dataDir, baseDir);
  if (opts.chain.deploymentFile) opts.chain.deploymentFile = expandPath(opts.chain.deploymentFile, baseDir);
  return makeSafeToPrint(opts);
}

/** Read and validate a config file; JSON syntax errors name the file. */
export function loadConfigFile(path: string, env: Record<string, string | undefined> = process.env): NodeOpts {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError("(file)", `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError("(file)", `${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw, { env, baseDir: dirname(resolve(path)) });
}

/** Resolve a path option that is relative to the data directory (keystore, peer key). */
export function dataPath(opts: NodeOpts, p: string): string {
  return expandPath(p, opts.dataDir);
}

/** The measured proving profile, `<dataDir>/profile.json` (written by `prover-node bench`). */
export async function loadProfile(opts: NodeOpts): Promise<ProvingProfile> {
  const path = dataPath(opts, "profile.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new NodeError({ code: "NODE_PROFILE", detail: `${path} missing` }, `no proving profile at ${path}: run \`prover-node bench\` first (pricing and capacity come from measured proving times)`);
  }
  return parseProfile(JSON.parse(text));
}
