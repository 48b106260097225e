import type { GossipKind } from "./messages/payloads.js";

/** Gossip topic short names and the one message kind each carries. */
export const TOPIC_KIND = {
  proofs: "proofAvailable",
  witness: "witnessAvailable",
  status: "status",
  aggregates: "aggregateProgress",
  intents: "lockIntent",
  joins: "aggNodeAvailable",
} as const satisfies Record<string, GossipKind>;

export type TopicName = keyof typeof TOPIC_KIND;
export const TOPIC_NAMES = Object.keys(TOPIC_KIND) as TopicName[];

export const TOPIC_OF_KIND: Record<GossipKind, TopicName> = Object.fromEntries(
  Object.entries(TOPIC_KIND).map(([t, k]) => [k, t]),
) as Record<GossipKind, TopicName>;

/** `/zkprover/<network>/<name>/1` */
export function topicId(network: string, name: TopicName): string {
  return `/zkprover/${network}/${name}/1`;
}

/** Parse a full topic id back to its short name for this network, or null. */
export function topicName(network: string, topic: string): TopicName | null {
  const prefix = `/zkprover/${network}/`;
  if (!topic.startsWith(prefix) || !topic.endsWith("/1")) return null;
  const name = topic.slice(prefix.length, -2);
  return name in TOPIC_KIND ? (name as TopicName) : null;
}

export type ReqRespName = "witness" | "proof" | "status";
export const REQRESP_NAMES: readonly ReqRespName[] = ["witness", "proof", "status"];

/** `/zkprover/<network>/<name>/1` for request/response protocols (disjoint from gossip: a protocol id, not a topic). */
export function protocolId(network: string, name: ReqRespName): string {
  return `/zkprover/${network}/${name}/1`;
}

/** Kademlia DHT protocol under our own prefix, so our DHT never merges with the public IPFS one. */
export function dhtProtocol(network: string): string {
  return `/zkprover/${network}/kad/1.0.0`;
}
