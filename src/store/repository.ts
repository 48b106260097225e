import type { Level } from "level";
import { decodeJson, encodeJson, type KeyCodec } from "./codec.js";

/** One write inside an atomic batch (`Store.batch`). */
export type BatchOp =
  | { readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "del"; readonly key: Uint8Array };

export type Db = Level<Uint8Array, Uint8Array>;

/**
 * Typed access to one bucket: key = [bucket byte] ‖ codec(key), value = JSON (see codec.ts). The bucket
 * is a number of the database's own enum (the node's `Bucket`, the sequencer's `SequencerBucket`).
 */
export class Repository<K, V> {
  constructor(
    protected readonly db: Db,
    readonly bucket: number,
    protected readonly keyCodec: KeyCodec<K>,
  ) {}

  encodeKey(key: K): Uint8Array {
    const k = this.keyCodec.encode(key);
    const out = new Uint8Array(1 + k.length);
    out[0] = this.bucket;
    out.set(k, 1);
    return out;
  }

  decodeKey(raw: Uint8Array): K {
    return this.keyCodec.decode(raw.subarray(1));
  }

  encodeValue(value: V): Uint8Array {
    return encodeJson(value);
  }

  decodeValue(raw: Uint8Array): V {
    return decodeJson<V>(raw);
  }

  async get(key: K): Promise<V | null> {
    const raw = await this.db.get(this.encodeKey(key));
    return raw === undefined ? null : this.decodeValue(raw);
  }

  async has(key: K): Promise<boolean> {
    return (await this.db.get(this.encodeKey(key))) !== undefined;
  }

  async put(key: K, value: V): Promise<void> {
    await this.db.put(this.encodeKey(key), this.encodeValue(value));
  }

  async delete(key: K): Promise<void> {
    await this.db.del(this.encodeKey(key));
  }

  putOp(key: K, value: V): BatchOp {
    return { type: "put", key: this.encodeKey(key), value: this.encodeValue(value) };
  }

  deleteOp(key: K): BatchOp {
    return { type: "del", key: this.encodeKey(key) };
  }

  /** Every entry of the bucket, in key order. */
  async *entries(): AsyncGenerator<[K, V]> {
    const range = { gte: Uint8Array.of(this.bucket), lt: Uint8Array.of(this.bucket + 1) };
    for await (const [k, v] of this.db.iterator(range)) yield [this.decodeKey(k), this.decodeValue(v)];
  }

  /** Every key of the bucket, in key order, without reading the values. */
  async *keys(): AsyncGenerator<K> {
    const range = { gte: Uint8Array.of(this.bucket), lt: Uint8Array.of(this.bucket + 1) };
    for await (const k of this.db.keys(range)) yield this.decodeKey(k);
  }

  async values(): Promise<V[]> {
    const out: V[] = [];
    for await (const [, v] of this.entries()) out.push(v);
    return out;
  }
}
