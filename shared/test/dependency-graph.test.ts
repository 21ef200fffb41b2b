import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DependencyEdges,
  DependsOnSchema,
  dependencyCause,
  findDependencyCycle,
  monitorsOnCycles,
} from '../src/index.ts';

const graph = (pairs: Record<number, number[]>): DependencyEdges =>
  new Map(Object.entries(pairs).map(([k, v]) => [Number(k), v]));

describe('findDependencyCycle', () => {
  it('finds none in a tree or a diamond', () => {
    expect(findDependencyCycle(graph({ 1: [2, 3], 2: [4], 3: [4] }), 1)).toBeNull();
    expect(findDependencyCycle(graph({ 1: [2, 3], 2: [4], 3: [4] }), 4)).toBeNull();
  });

  it('names a self-dependency', () => {
    expect(findDependencyCycle(graph({ 7: [7] }), 7)).toEqual([7, 7]);
  });

  it('names the shortest cycle through the start, in order', () => {
    // 1 → 2 → 1 and 1 → 3 → 4 → 5 → 1: the short one is named.
    expect(findDependencyCycle(graph({ 1: [3, 2], 2: [1], 3: [4], 4: [5], 5: [1] }), 1)).toEqual([1, 2, 1]);
    expect(findDependencyCycle(graph({ 1: [3], 3: [4], 4: [5], 5: [1] }), 1)).toEqual([1, 3, 4, 5, 1]);
  });

  it('only reports cycles through the start', () => {
    expect(findDependencyCycle(graph({ 1: [2], 2: [3], 3: [2] }), 1)).toBeNull();
  });

  it('agrees with monitorsOnCycles on random graphs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 })), { maxLength: 20 }),
        (pairs) => {
          const edges = new Map<number, number[]>();
          for (const [a, b] of pairs) edges.set(a, [...(edges.get(a) ?? []), b]);
          const onCycles = monitorsOnCycles(edges);
          for (let id = 1; id <= 8; id++) {
            const cycle = findDependencyCycle(edges, id);
            expect(cycle !== null).toBe(onCycles.has(id));
            if (cycle) {
              expect(cycle[0]).toBe(id);
              expect(cycle.at(-1)).toBe(id);
              for (let i = 0; i + 1 < cycle.length; i++) {
                expect(edges.get(cycle[i] as number)).toContain(cycle[i + 1]);
              }
            }
          }
        },
      ),
    );
  });
});

describe('monitorsOnCycles', () => {
  it('lists the members of every cycle and nothing else', () => {
    const edges = graph({ 1: [2], 2: [3], 3: [1], 4: [1], 5: [5], 6: [7] });
    expect([...monitorsOnCycles(edges)].sort()).toEqual([1, 2, 3, 5]);
  });

  it('copes with a long chain without recursion', () => {
    const edges = new Map<number, number[]>();
    for (let i = 1; i < 100_000; i++) edges.set(i, [i + 1]);
    edges.set(100_000, [1]);
    expect(monitorsOnCycles(edges).size).toBe(100_000);
  });
});

describe('dependencyCause', () => {
  const edges = graph({ 1: [2, 5], 2: [3], 3: [4], 5: [] });

  it('is null while every direct dependency is up', () => {
    expect(dependencyCause(1, edges, () => false)).toBeNull();
    // A dependency's own dependency down does not pass through a dependency that is up.
    expect(dependencyCause(1, edges, (id) => id === 3)).toBeNull();
  });

  it('follows down dependencies to the root', () => {
    expect(dependencyCause(1, edges, (id) => id === 2)).toEqual({ direct: 2, root: 2 });
    expect(dependencyCause(1, edges, (id) => id === 2 || id === 3)).toEqual({ direct: 2, root: 3 });
    expect(dependencyCause(1, edges, (id) => id >= 2)).toEqual({ direct: 2, root: 4 });
  });

  it('picks the lowest id when several are down, and stops on a cycle', () => {
    expect(dependencyCause(1, edges, (id) => id === 5 || id === 2)).toEqual({ direct: 2, root: 2 });
    expect(dependencyCause(1, graph({ 1: [2], 2: [3], 3: [2] }), () => true)).toEqual({ direct: 2, root: 3 });
  });
});

describe('DependsOnSchema', () => {
  it('takes distinct positive ids, at most 32', () => {
    expect(DependsOnSchema.safeParse([3, 1]).success).toBe(true);
    expect(DependsOnSchema.safeParse([]).success).toBe(true);
    expect(DependsOnSchema.safeParse([1, 1]).error?.issues[0]?.message).toBe('must not name a monitor twice');
    expect(DependsOnSchema.safeParse([0]).success).toBe(false);
    expect(DependsOnSchema.safeParse(Array.from({ length: 33 }, (_, i) => i + 1)).success).toBe(false);
  });
});
