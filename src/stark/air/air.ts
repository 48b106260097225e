/** AIR definitions: one symbolic declaration, compiled to every target (DESIGN §3.5). */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { ConstraintGraph, quotientChunksFor, type AirShape } from "./ir.js";
import { compileBytecode } from "./bytecode.js";
import { StarkError } from "../errors.js";
import { toHex } from "../hash/keccak.js";

/** A concrete statement and its witness trace for an AIR. */
export interface AirInstance {
  /** Trace columns (width arrays of n canonical values). */
  readonly trace: Uint32Array[];
  readonly publicInputs: Uint32Array;
  /** Public columns (numPublicColumns arrays of n values), known to the verifier. */
  readonly publicColumns: Uint32Array[];
}

export interface AirDefinition extends AirShape {
  /** Unique name, e.g. "fib-v1". */
  readonly name: string;
  readonly version: number;
  /** Declare the constraints on the graph. */
  readonly constraints: (g: ConstraintGraph) => void;
  /** Optional generator of a valid sample instance with 2^logRows rows (CLI, benchmarks, tests). */
  readonly sample?: (logRows: number, seed: number) => AirInstance;
  /** Smallest trace height (log2) the AIR supports. */
  readonly minLogRows?: number;
}

export class Air implements AirShape {
  readonly name: string;
  readonly version: number;
  readonly width: number;
  readonly numPublicInputs: number;
  readonly numPublicColumns: number;
  readonly graph: ConstraintGraph;
  readonly bytecode: Uint32Array;
  /** keccak256 of the name, version, shape, minimum height and constraint bytecode: changes whenever a constraint does. */
  readonly id: Uint8Array;
  readonly maxDegree: number;
  readonly numQuotientChunks: number;
  readonly minLogRows: number;
  private readonly sampler: AirDefinition["sample"];

  constructor(def: AirDefinition) {
    for (const k of ["width", "numPublicInputs", "numPublicColumns", "version"] as const) {
      if (!Number.isInteger(def[k]) || def[k] < 0 || def[k] > 0xffff) throw new StarkError({ code: "INVALID_AIR", detail: `${k} = ${def[k]}` });
    }
    if (def.width < 1) throw new StarkError({ code: "INVALID_AIR", detail: "width must be at least 1" });
    this.name = def.name;
    this.version = def.version;
    this.width = def.width;
    this.numPublicInputs = def.numPublicInputs;
    this.numPublicColumns = def.numPublicColumns;
    this.graph = new ConstraintGraph(def);
    def.constraints(this.graph);
    if (this.graph.constraints.length === 0) throw new StarkError({ code: "INVALID_AIR", detail: `${def.name} has no constraints` });
    this.bytecode = compileBytecode(this.graph);
    this.maxDegree = Math.max(...this.graph.constraints.map((c) => c.degree));
    this.numQuotientChunks = Math.max(...this.graph.constraints.map(quotientChunksFor));
    this.minLogRows = Math.max(def.minLogRows ?? 2, 2);
    this.sampler = def.sample;
    this.id = computeAirId(this);
  }

  get idHex(): string {
    return toHex(this.id);
  }

  get numConstraints(): number {
    return this.graph.constraints.length;
  }

  get hasSample(): boolean {
    return this.sampler !== undefined;
  }

  sample(logRows: number, seed = 1): AirInstance {
    if (!this.sampler) throw new StarkError({ code: "INVALID_INPUT", detail: `AIR ${this.name} has no sample generator` });
    return this.sampler(logRows, seed);
  }
}

function computeAirId(air: Air): Uint8Array {
  const name = new TextEncoder().encode(air.name);
  const head = new Uint8Array(4 + name.length + 20);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, name.length, true);
  head.set(name, 4);
  let o = 4 + name.length;
  for (const v of [air.version, air.width, air.numPublicInputs, air.numPublicColumns, air.minLogRows]) {
    dv.setUint32(o, v, true);
    o += 4;
  }
  const code = new Uint8Array(air.bytecode.buffer, air.bytecode.byteOffset, air.bytecode.byteLength);
  const tag = new TextEncoder().encode("prover-node/air/v1");
  const buf = new Uint8Array(tag.length + head.length + code.length);
  buf.set(tag, 0);
  buf.set(head, tag.length);
  buf.set(code, tag.length + head.length);
  return keccak_256(buf);
}

export function defineAir(def: AirDefinition): Air {
  return new Air(def);
}

/** AIRs by id and by name. The verifier resolves a proof's AIR id here. */
export class AirRegistry {
  private readonly byId = new Map<string, Air>();
  private readonly byName = new Map<string, Air>();

  register(air: Air): Air {
    const existing = this.byName.get(air.name);
    if (existing && existing.idHex !== air.idHex) {
      throw new StarkError({ code: "INVALID_AIR", detail: `another AIR named ${air.name} is already registered` });
    }
    this.byId.set(air.idHex, air);
    this.byName.set(air.name, air);
    return air;
  }

  getById(id: Uint8Array | string): Air | undefined {
    return this.byId.get(typeof id === "string" ? id.toLowerCase() : toHex(id));
  }

  getByName(name: string): Air | undefined {
    return this.byName.get(name);
  }

  /** Look up by name or 0x-prefixed id; throws UNKNOWN_AIR. */
  resolve(nameOrId: string): Air {
    const air = this.byName.get(nameOrId) ?? this.byId.get(nameOrId.toLowerCase());
    if (!air) throw new StarkError({ code: "UNKNOWN_AIR", airId: nameOrId }, `unknown AIR ${nameOrId}`);
    return air;
  }

  list(): Air[] {
    return [...this.byName.values()];
  }
}

/** The process-wide registry: fib-v1 and mix-v1 (stark/airs) and transfer-v1 (rollup) register here. */
export const airRegistry = new AirRegistry();
