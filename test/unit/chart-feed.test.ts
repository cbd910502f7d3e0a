import { describe, expect, it } from 'vitest';
import { MAX_CHART_POINTS, delayToSlot, downsample } from '../../src/app/panels/chartFeed';

const range = (count: number) => Array.from({ length: count }, (_, i) => i);

describe('chart downsampling', () => {
  it('keeps short series as they are', () => {
    const points = range(MAX_CHART_POINTS);
    expect(downsample(points)).toBe(points);
    expect(downsample([])).toEqual([]);
  });

  it('keeps the first and last point', () => {
    for (const count of [MAX_CHART_POINTS + 1, 1000, 4097, 10_000]) {
      const picked = downsample(range(count));
      expect(picked[0], `${count} points`).toBe(0);
      expect(picked.at(-1), `${count} points`).toBe(count - 1);
      expect(picked.length, `${count} points`).toBeLessThanOrEqual(MAX_CHART_POINTS + 1);
      expect(picked.length, `${count} points`).toBeGreaterThan(MAX_CHART_POINTS / 2);
    }
  });

  it('picks evenly spaced points', () => {
    const picked = downsample(range(1000), 100);
    // 1000 points need a stride of 16 to fit 100 points: 0, 16, ..., 992, then the last point.
    expect(picked.slice(0, 3)).toEqual([0, 16, 32]);
    expect(picked.slice(-2)).toEqual([992, 999]);
    expect(picked).toHaveLength(64);
  });

  it('keeps earlier picks while the series grows', () => {
    const before = downsample(range(1000), 100);
    const after = downsample(range(1010), 100);
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
    expect(after.slice(before.length - 1)).toEqual([1008, 1009]);
  });
});

describe('chart update slots', () => {
  it('waits for the next slot', () => {
    expect(delayToSlot(1200, 1000, 0)).toBe(800);
    expect(delayToSlot(1200, 1000, 500)).toBe(300);
    expect(delayToSlot(1600, 1000, 500)).toBe(900);
  });

  it('runs at once on a slot', () => {
    expect(delayToSlot(2000, 1000, 0)).toBe(0);
    expect(delayToSlot(2500, 1000, 500)).toBe(0);
  });

  it('handles times before the offset', () => {
    expect(delayToSlot(100, 1000, 500)).toBe(400);
  });
});
