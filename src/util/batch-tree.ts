/**
 * The canonical tree over a batch's S segments (docs/aggregation.md): level by level, adjacent nodes
 * are paired left to right and an odd last node is carried up unchanged. The sequencer's txRoot, the
 * aggregation proofs' joins and L1's payment of join provers all follow this one shape.
 */

/** A node of the canonical tree of S segments: a leaf (segment index) or a join of two nodes. */
export type TreeNode = { readonly leaf: number } | { readonly left: TreeNode; readonly right: TreeNode; readonly first: number; readonly last: number };

/** The segments a node covers, inclusive. */
export function treeSpan(n: TreeNode): [number, number] {
  return "leaf" in n ? [n.leaf, n.leaf] : [n.first, n.last];
}

/** The canonical tree of `segments` leaves. */
export function canonicalTree(segments: number): TreeNode {
  if (!Number.isInteger(segments) || segments < 1) throw new RangeError(`a batch has at least one segment, not ${segments}`);
  let level: TreeNode[] = Array.from({ length: segments }, (_, i) => ({ leaf: i }));
  while (level.length > 1) {
    const next: TreeNode[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push({ left: level[i]!, right: level[i + 1]!, first: treeSpan(level[i]!)[0], last: treeSpan(level[i + 1]!)[1] });
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** The joins of a tree in pre-order (the top first, then depth first, left to right). */
export function joinsPreOrder(t: TreeNode): TreeNode[] {
  if ("leaf" in t) return [];
  return [t, ...joinsPreOrder(t.left), ...joinsPreOrder(t.right)];
}

/** Fold a tree bottom-up: `leaf(i)` at segment i, `join(l, r)` at every join. */
export function foldTree<T>(t: TreeNode, leaf: (index: number) => T, join: (left: T, right: T) => T): T {
  return "leaf" in t ? leaf(t.leaf) : join(foldTree(t.left, leaf, join), foldTree(t.right, leaf, join));
}
