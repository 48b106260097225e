import { strict as assert } from "node:assert";
import type { CudaAddon, DeviceBuffer } from "../../../src/backends/cuda/addon.js";
import { DeviceCache } from "../../../src/backends/cuda/device-cache.js";

/** Just enough of the addon for the cache: counts frees. */
function fakeAddon(): { addon: CudaAddon; freed: DeviceBuffer[] } {
  const freed: DeviceBuffer[] = [];
  return { addon: { free: (b: DeviceBuffer) => void freed.push(b) } as unknown as CudaAddon, freed };
}
const buffer = (name: string): DeviceBuffer => ({ name }) as unknown as DeviceBuffer;
const cols = (count: number, n: number, seed: number): Uint32Array[] =>
  Array.from({ length: count }, (_, c) => Uint32Array.from({ length: n }, (_, i) => (seed * 1000 + c * 100 + i) >>> 0));

describe("backends/cuda device cache (no GPU needed)", () => {
  it("finds returned columns by identity, whole matrices only in order", () => {
    const { addon } = fakeAddon();
    const cache = new DeviceCache(addon, 4, true);
    const a = cols(3, 64, 1);
    cache.put(buffer("a"), a, 64);
    assert.deepEqual(cache.find(a[1]!)?.index, 1);
    assert.equal(cache.find(a[1]!.slice()), undefined, "a copy is another array");
    assert.ok(cache.findMatrix(a));
    assert.equal(cache.findMatrix([a[1]!, a[0]!, a[2]!]), undefined);
    assert.equal(cache.findMatrix(a.slice(0, 2)), undefined);
    assert.equal(cache.bytes, 3 * 64 * 4);
  });

  it("stops trusting a column that was written into, or forgotten", () => {
    const { addon } = fakeAddon();
    const cache = new DeviceCache(addon, 4, true);
    const a = cols(2, 1024, 2);
    cache.put(buffer("a"), a, 1024);
    a[0]![0]! ^= 1;
    assert.equal(cache.find(a[0]!), undefined);
    cache.forget(a[1]!);
    assert.equal(cache.find(a[1]!), undefined);
  });

  it("frees the least recently used matrix beyond its size, and never a pinned one when evicting", () => {
    const { addon, freed } = fakeAddon();
    const cache = new DeviceCache(addon, 2, true);
    const [a, b, c] = [cols(1, 8, 3), cols(1, 8, 4), cols(1, 8, 5)];
    const [ba, bb, bc] = [buffer("a"), buffer("b"), buffer("c")];
    cache.put(ba, a, 8);
    cache.put(bb, b, 8);
    cache.find(a[0]!); // a is now the most recently used
    cache.put(bc, c, 8);
    assert.deepEqual(freed, [bb]);
    const pinned = new Set([cache.findMatrix(a)!]);
    assert.equal(cache.evictOne(pinned), true);
    assert.deepEqual(freed, [bb, bc]);
    assert.equal(cache.evictOne(pinned), false);
    cache.clear();
    assert.deepEqual(freed, [bb, bc, ba]);
  });

  it("disabled, it frees what it is given at once", () => {
    const { addon, freed } = fakeAddon();
    const cache = new DeviceCache(addon, 4, false);
    const a = cols(1, 8, 6);
    cache.put(buffer("a"), a, 8);
    assert.equal(freed.length, 1);
    assert.equal(cache.find(a[0]!), undefined);
  });
});
