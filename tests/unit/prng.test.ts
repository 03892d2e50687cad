import { describe, expect, test } from 'vitest';
import { createPrng } from '../helpers/prng.js';

describe('createPrng', () => {
  test('the same seed replays the same sequence; different seeds differ', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const c = createPrng(43);
    const seqA = Array.from({ length: 50 }, () => a.uint32());
    expect(Array.from({ length: 50 }, () => b.uint32())).toEqual(seqA);
    expect(Array.from({ length: 50 }, () => c.uint32())).not.toEqual(seqA);
  });

  test('int stays within inclusive bounds and reaches both ends', () => {
    const prng = createPrng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = prng.int(3, 6);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(6);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  test('weighted never picks a zero weight and roughly follows the weights', () => {
    const prng = createPrng(1);
    const counts = { a: 0, b: 0, never: 0 };
    for (let i = 0; i < 10_000; i++) counts[prng.weighted({ a: 3, b: 1, never: 0 })]++;
    expect(counts.never).toBe(0);
    expect(counts.a / counts.b).toBeGreaterThan(2.5);
    expect(counts.a / counts.b).toBeLessThan(3.5);
  });

  test('fork is independent of how far the parent advanced, and labels separate streams', () => {
    const parent = createPrng(9);
    const early = parent.fork('net').uint32();
    parent.uint32();
    expect(parent.fork('net').uint32()).toBe(early);
    expect(parent.fork('other').uint32()).not.toBe(early);
  });

  test('rejects seeds that are not 32-bit unsigned integers', () => {
    expect(() => createPrng(-1)).toThrow(RangeError);
    expect(() => createPrng(1.5)).toThrow(RangeError);
  });
});
