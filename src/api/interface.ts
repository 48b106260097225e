/** What the API serves, from providers the composition root injects (nothing here reads the chain). */
export interface NodeStatus {
  readonly version: string;
  readonly network: string;
  readonly address: string | null;
  readonly peerId: string | null;
  readonly peers: number;
  /** Stake-token base units. */
  readonly stake: { readonly bonded: bigint; readonly free: bigint; readonly locked: bigint } | null;
  readonly jobs: Readonly<Record<string, number>>;
  /** Payment-token base units. */
  readonly earnings: { readonly total: bigint; readonly pending: bigint };
  readonly backend: { readonly kind: string; readonly workers: number };
  readonly market: { readonly breaker: string; readonly minimumPrice?: bigint };
  readonly uptimeSeconds: number;
  /** Join work per followed batch proof tree (present when the node aggregates by proof trees). */
  readonly aggregation?: readonly AggregationStatus[];
}

/** One batch's proof tree as this node sees it (docs/aggregator.md, "Aggregation"). */
export interface AggregationStatus {
  readonly batchId: string;
  readonly segments: number;
  /** Leaves and joins held (verified), of the tree's S leaves and S − 1 joins. */
  readonly leaves: number;
  readonly joins: number;
  readonly joinsTotal: number;
  /** Spans this node is proving now, e.g. "[0,1]". */
  readonly proving: readonly string[];
  /** Spans ready (inputs held) and not delivered yet, with how long they have waited. */
  readonly ready: readonly string[];
  /** The top (every segment) is held: the wrap can be built. */
  readonly top: boolean;
}

export interface Readiness {
  readonly ready: boolean;
  /** Named checks (e.g. rpc, p2p, store, keystore) and whether each passes, or why not. */
  readonly checks: Readonly<Record<string, true | string>>;
}

/** One segment job as `/jobs` lists it (the node's store, docs/operator.md §3). */
export interface JobView {
  readonly segmentId: bigint;
  readonly batchId: bigint;
  readonly index: number;
  readonly state: string;
  readonly failureReason?: string;
  readonly proofHash?: string;
  readonly lockDeadline?: number;
  readonly txs: { readonly lock?: string; readonly commit?: string };
  readonly provingAttempts: number;
  readonly updatedAt: number;
  /** Every persisted transition: state, unix ms, reason. */
  readonly history: readonly { readonly state: string; readonly at: number; readonly reason?: string }[];
}

export interface ApiProviders {
  status(): Promise<NodeStatus> | NodeStatus;
  /** Every job in the store (absent: `/jobs` is 404). */
  jobs?(): Promise<readonly JobView[]> | readonly JobView[];
  readiness(): Promise<Readiness> | Readiness;
  metrics: { metrics(): Promise<string>; readonly contentType: string };
}
