// Monitor dependencies (进程依赖关系): a monitor may depend on others, on its own host or another one.
// The collector keeps the graph acyclic when monitors are saved, suppresses dependents' warnings while a
// dependency is down, and the agent restarts dependencies before their dependents. All of it is graph
// walking over plain data, here, so that both sides walk it the same way.

/** Most dependencies one monitor may name. */
export const DEPENDS_ON_MAX = 32;

/** The dependency graph: monitor id → the ids of the monitors it depends on. */
export type DependencyEdges = ReadonlyMap<number, readonly number[]>;

/**
 * A cycle through `start`, as the shortest path `start → … → start`, or null. On an acyclic graph with
 * one monitor's edges just changed, any new cycle passes through that monitor, so this is the whole check
 * a save needs. A self-dependency is the cycle `[start, start]`.
 */
export function findDependencyCycle(edges: DependencyEdges, start: number): number[] | null {
  // Breadth first, so that the cycle named in the error is the shortest one.
  const parent = new Map<number, number>();
  const queue: number[] = [];
  for (const next of edges.get(start) ?? []) {
    if (next === start) return [start, start];
    if (!parent.has(next)) {
      parent.set(next, start);
      queue.push(next);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i] as number;
    for (const next of edges.get(node) ?? []) {
      if (next === start) {
        const path = [start];
        for (let at: number | undefined = node; at !== undefined && at !== start; at = parent.get(at)) {
          path.push(at);
        }
        return [start, ...path.slice(1).reverse(), start];
      }
      if (!parent.has(next)) {
        parent.set(next, node);
        queue.push(next);
      }
    }
  }
  return null;
}

/**
 * The monitors that lie on some cycle (strongly connected components of more than one node, and
 * self-loops). The collector never stores a cycle; the agent still checks the config it is given, so a
 * cycle that slipped past (two collectors saving at once without PostgreSQL's lock) cannot make two
 * monitors wait for each other forever.
 */
export function monitorsOnCycles(edges: DependencyEdges): Set<number> {
  // Tarjan's algorithm, iteratively: a deep chain must not overflow the stack.
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const result = new Set<number>();
  let counter = 0;
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: { node: number; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter);
    counter += 1;
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; next: number };
      const targets = edges.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next] as number;
        frame.next += 1;
        if (target === frame.node) result.add(target);
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter);
          counter += 1;
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(target) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent)
        low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: number[] = [];
        for (;;) {
          const member = stack.pop() as number;
          onStack.delete(member);
          component.push(member);
          if (member === frame.node) break;
        }
        if (component.length > 1) for (const member of component) result.add(member);
      }
    }
  }
  return result;
}

/** Which dependency explains a monitor's trouble: the one directly down, and the root of the chain. */
export interface DependencyCause {
  /** The dependency of the monitor that is down (lowest id when several are). */
  readonly direct: number;
  /** Followed up through down dependencies to one none of whose own dependencies is down. */
  readonly root: number;
}

/**
 * The down dependency that explains `monitorId`'s trouble, or null when none of its direct dependencies
 * is down. A dependency that is up does not pass on trouble further up its own chain: if A → B → C and
 * only C is down, B is up and A's trouble is its own.
 */
export function dependencyCause(
  monitorId: number,
  edges: DependencyEdges,
  isDown: (id: number) => boolean,
): DependencyCause | null {
  const downOf = (id: number) =>
    [...(edges.get(id) ?? [])].filter((d) => d !== id && isDown(d)).sort((a, b) => a - b)[0];
  const direct = downOf(monitorId);
  if (direct === undefined) return null;
  let root = direct;
  const seen = new Set([monitorId, direct]);
  for (;;) {
    const up = downOf(root);
    if (up === undefined || seen.has(up)) break;
    seen.add(up);
    root = up;
  }
  return { direct, root };
}
