/**
 * AIR definitions (docs/proof-system.md §6): one symbolic declaration per table, compiled to every
 * target. An AIR is one or more tables of possibly different heights under one statement (its public
 * inputs); tables talk to each other over LogUp buses.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { ConstraintGraph, quotientChunksFor, type AirShape, type Interaction } from "./ir.js";
import { compileBytecode } from "./bytecode.js";
import { lowerGraph, type LoweredWeight } from "./lower.js";
import { addLookupConstraints, DEFAULT_LOOKUP_BATCH, LOOKUP_CHALLENGES } from "./logup.js";
import { StarkError } from "../errors.js";
import { toHex } from "../hash/keccak.js";
import { isCanonical } from "../field/babybear.js";

/** Largest supported log2 LDE size (the field's two-adicity). */
export const MAX_LOG_ROWS = 27;

/** A concrete statement and its witness for an AIR. */
export interface AirInstance {
  /** Table 0's main trace (columns of n canonical values); the whole trace of a single-table AIR. */
  readonly trace: Uint32Array[];
  readonly publicInputs: Uint32Array;
  /** Public columns of every table, table after table (known to the verifier). */
  readonly publicColumns: Uint32Array[];
  /** Main traces of tables 1, 2, … of a multi-table AIR. */
  readonly extraTraces?: readonly Uint32Array[][];
}

/** One table of an AIR. */
export interface TableDefinition extends AirShape {
  readonly name: string;
  /** Declare the constraints and interactions on the graph. */
  readonly constraints: (g: ConstraintGraph) => void;
  /** The preprocessed columns at 2^logRows rows (numPreprocessed of them), a function of the height only. */
  readonly preprocessed?: (logRows: number) => Uint32Array[];
  /** Smallest and largest trace height (log2) the table supports (default 2 and 27). */
  readonly minLogRows?: number;
  readonly maxLogRows?: number;
  /** Interactions per LogUp helper column (default 2; the helper constraint's degree grows with it). */
  readonly lookupBatch?: number;
}

interface AirDefinitionBase {
  /** Unique name, e.g. "fib-v1". */
  readonly name: string;
  readonly version: number;
  readonly numPublicInputs: number;
  /** Optional generator of a valid sample instance with 2^logRows rows in table 0 (CLI, benchmarks, tests). */
  readonly sample?: (logRows: number, seed: number) => AirInstance;
}

/** A single-table AIR: the table takes the AIR's name. */
export interface SingleTableDefinition extends AirDefinitionBase, Omit<TableDefinition, "name" | "numPublicInputs"> {
  readonly tables?: undefined;
}

export interface MultiTableDefinition extends AirDefinitionBase {
  readonly tables: readonly Omit<TableDefinition, "numPublicInputs">[];
}

export type AirDefinition = SingleTableDefinition | MultiTableDefinition;

/** One compiled table. */
export class AirTable {
  readonly index: number;
  readonly name: string;
  readonly width: number;
  readonly numPreprocessed: number;
  readonly numPublicColumns: number;
  /** Auxiliary (K) columns: LogUp helpers and the running sum. */
  readonly numAux: number;
  readonly graph: ConstraintGraph;
  readonly interactions: readonly Interaction[];
  /** Base-field program the backends interpret (lowered, docs/proof-system.md §6.2). */
  readonly bytecode: Uint32Array;
  readonly weights: readonly LoweredWeight[];
  readonly maxDegree: number;
  readonly numQuotientChunks: number;
  readonly minLogRows: number;
  readonly maxLogRows: number;
  /** Interactions per LogUp helper column. */
  readonly lookupBatch: number;
  /** The declaration this table was compiled from. */
  readonly definition: TableDefinition;
  private readonly preFn: TableDefinition["preprocessed"];

  constructor(index: number, def: TableDefinition) {
    for (const k of ["width", "numPublicInputs", "numPublicColumns"] as const) {
      if (!Number.isInteger(def[k]) || def[k] < 0 || def[k] > 0xffff) throw new StarkError({ code: "INVALID_AIR", detail: `${def.name}: ${k} = ${def[k]}` });
    }
    if (def.width < 1) throw new StarkError({ code: "INVALID_AIR", detail: `${def.name}: width must be at least 1` });
    const numPre = def.numPreprocessed ?? 0;
    if (!Number.isInteger(numPre) || numPre < 0 || numPre > 0xffff) throw new StarkError({ code: "INVALID_AIR", detail: `${def.name}: numPreprocessed = ${numPre}` });
    if ((numPre > 0) !== (def.preprocessed !== undefined)) throw new StarkError({ code: "INVALID_AIR", detail: `${def.name}: numPreprocessed and preprocessed() must come together` });
    this.index = index;
    this.definition = def;
    this.name = def.name;
    this.width = def.width;
    this.numPreprocessed = numPre;
    this.numPublicColumns = def.numPublicColumns;
    this.preFn = def.preprocessed;
    this.graph = new ConstraintGraph({ width: def.width, numPublicInputs: def.numPublicInputs, numPublicColumns: def.numPublicColumns, numPreprocessed: numPre });
    def.constraints(this.graph);
    this.lookupBatch = def.lookupBatch ?? DEFAULT_LOOKUP_BATCH;
    addLookupConstraints(this.graph, this.lookupBatch);
    if (this.graph.constraints.length === 0) throw new StarkError({ code: "INVALID_AIR", detail: `${def.name} has no constraints` });
    this.interactions = this.graph.interactions;
    this.numAux = this.graph.shape.numAux;
    const lowered = lowerGraph(this.graph);
    this.weights = lowered.weights;
    this.bytecode = compileBytecode(lowered.graph);
    this.maxDegree = Math.max(...this.graph.constraints.map((c) => c.degree));
    this.numQuotientChunks = Math.max(...this.graph.constraints.map(quotientChunksFor));
    this.minLogRows = Math.max(def.minLogRows ?? 2, 2);
    this.maxLogRows = Math.min(def.maxLogRows ?? MAX_LOG_ROWS, MAX_LOG_ROWS);
    if (this.minLogRows > this.maxLogRows) throw new StarkError({ code: "INVALID_AIR", detail: `${def.name}: minLogRows ${this.minLogRows} > maxLogRows ${this.maxLogRows}` });
  }

  get numConstraints(): number {
    return this.graph.constraints.length;
  }

  /** Number of LogUp helper columns (the running sum is the next auxiliary column). */
  get numLookupBatches(): number {
    return this.numAux === 0 ? 0 : this.numAux - 1;
  }

  /** The preprocessed columns at 2^logRows rows, checked against the declared shape. */
  preprocessedColumns(logRows: number): Uint32Array[] {
    if (this.numPreprocessed === 0) return [];
    const cols = this.preFn!(logRows);
    const n = 2 ** logRows;
    if (cols.length !== this.numPreprocessed || cols.some((c) => c.length !== n || !c.every(isCanonical))) {
      throw new StarkError({ code: "INVALID_AIR", detail: `${this.name}: preprocessed columns at 2^${logRows} rows do not match the declared shape` });
    }
    return cols;
  }
}

export class Air {
  readonly name: string;
  readonly version: number;
  readonly numPublicInputs: number;
  readonly tables: readonly AirTable[];
  /** keccak256 of the name, version and every table's shape and lowered program: changes whenever a constraint does. */
  readonly id: Uint8Array;
  /** Challenges of the auxiliary phase (2 when any table has interactions, else 0). */
  readonly numChallenges: number;
  private readonly sampler: AirDefinition["sample"];

  constructor(def: AirDefinition) {
    if (!Number.isInteger(def.numPublicInputs) || def.numPublicInputs < 0 || def.numPublicInputs > 0xffff) {
      throw new StarkError({ code: "INVALID_AIR", detail: `numPublicInputs = ${def.numPublicInputs}` });
    }
    if (!Number.isInteger(def.version) || def.version < 0 || def.version > 0xffff) throw new StarkError({ code: "INVALID_AIR", detail: `version = ${def.version}` });
    this.name = def.name;
    this.version = def.version;
    this.numPublicInputs = def.numPublicInputs;
    const defs: TableDefinition[] = def.tables
      ? def.tables.map((t) => ({ ...t, numPublicInputs: def.numPublicInputs }))
      : [{ ...(def as SingleTableDefinition), name: def.name, numPublicInputs: def.numPublicInputs }];
    if (defs.length < 1 || defs.length > 16) throw new StarkError({ code: "INVALID_AIR", detail: `${def.name}: ${defs.length} tables (1..16 supported)` });
    if (new Set(defs.map((t) => t.name)).size !== defs.length) throw new StarkError({ code: "INVALID_AIR", detail: `${def.name}: table names must be distinct` });
    this.tables = defs.map((t, i) => new AirTable(i, t));
    this.numChallenges = this.tables.some((t) => t.numAux > 0) ? LOOKUP_CHALLENGES : 0;
    if (this.numChallenges > 0) {
      const send = new Set<number>(), receive = new Set<number>();
      for (const t of this.tables) for (const it of t.interactions) (it.kind === "send" ? send : receive).add(it.bus);
      for (const b of new Set([...send, ...receive])) {
        if (!send.has(b) || !receive.has(b)) throw new StarkError({ code: "INVALID_AIR", detail: `${def.name}: bus ${b} is only ${send.has(b) ? "sent to" : "received from"}` });
      }
    }
    this.sampler = def.sample;
    this.id = computeAirId(this);
  }

  get idHex(): string {
    return toHex(this.id);
  }

  get numTables(): number {
    return this.tables.length;
  }

  /** Public columns over all tables. */
  get numPublicColumns(): number {
    return this.tables.reduce((a, t) => a + t.numPublicColumns, 0);
  }

  // Table 0's shape (the whole AIR for a single-table AIR): what single-table callers read.
  get width(): number {
    return this.tables[0]!.width;
  }
  get graph(): ConstraintGraph {
    return this.tables[0]!.graph;
  }
  get bytecode(): Uint32Array {
    return this.tables[0]!.bytecode;
  }
  get maxDegree(): number {
    return Math.max(...this.tables.map((t) => t.maxDegree));
  }
  get numQuotientChunks(): number {
    return Math.max(...this.tables.map((t) => t.numQuotientChunks));
  }
  get numConstraints(): number {
    return this.tables.reduce((a, t) => a + t.numConstraints, 0);
  }
  get minLogRows(): number {
    return this.tables[0]!.minLogRows;
  }

  get hasSample(): boolean {
    return this.sampler !== undefined;
  }

  sample(logRows: number, seed = 1): AirInstance {
    if (!this.sampler) throw new StarkError({ code: "INVALID_INPUT", detail: `AIR ${this.name} has no sample generator` });
    return this.sampler(logRows, seed);
  }

  /** Every table's main trace of an instance, checked for count. */
  traces(inst: AirInstance): Uint32Array[][] {
    const all = [inst.trace, ...(inst.extraTraces ?? [])];
    if (all.length !== this.tables.length) {
      throw new StarkError({ code: "INVALID_INPUT", detail: `${this.name} has ${this.tables.length} tables, the instance has ${all.length} traces` }, `${this.name} has ${this.tables.length} tables, the instance has ${all.length} traces`);
    }
    return all;
  }
}

class Bytes {
  private parts: Uint8Array[] = [];
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    this.parts.push(b);
    return this;
  }
  raw(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function computeAirId(air: Air): Uint8Array {
  const b = new Bytes().raw(new TextEncoder().encode("prover-node/air/v2")).str(air.name).u32(air.version).u32(air.numPublicInputs).u32(air.tables.length);
  for (const t of air.tables) {
    b.str(t.name).u32(t.width).u32(t.numPreprocessed).u32(t.numPublicColumns).u32(t.numAux).u32(t.minLogRows).u32(t.maxLogRows).u32(t.bytecode.length);
    b.raw(new Uint8Array(t.bytecode.buffer, t.bytecode.byteOffset, t.bytecode.byteLength));
  }
  return keccak_256(b.done());
}

export function defineAir(def: AirDefinition): Air {
  return new Air(def);
}

/** AIRs by id and by name. The verifier resolves a proof's AIR id here. */
export class AirRegistry {
  private readonly byId = new Map<string, Air>();
  private readonly byName = new Map<string, Air>();
  private readonly resolvers: ((name: string) => Air | undefined)[] = [];

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

  /**
   * Add a resolver for names not registered yet (a family of AIRs instantiated on demand, e.g. one per
   * tree depth); an AIR it returns is registered under its name.
   */
  addNameResolver(resolver: (name: string) => Air | undefined): void {
    this.resolvers.push(resolver);
  }

  getByName(name: string): Air | undefined {
    const known = this.byName.get(name);
    if (known) return known;
    for (const resolver of this.resolvers) {
      const air = resolver(name);
      if (air && air.name === name) return this.register(air);
    }
    return undefined;
  }

  /** Look up by name or 0x-prefixed id; throws UNKNOWN_AIR. */
  resolve(nameOrId: string): Air {
    const air = this.getByName(nameOrId) ?? this.byId.get(nameOrId.toLowerCase());
    if (!air) throw new StarkError({ code: "UNKNOWN_AIR", airId: nameOrId }, `unknown AIR ${nameOrId}`);
    return air;
  }

  list(): Air[] {
    return [...this.byName.values()];
  }
}

/** The process-wide registry: fib-v1, mix-v1 and lookup-v1 (stark/airs) and transfer-v1 (rollup) register here. */
export const airRegistry = new AirRegistry();
