/**
 * Feeds the training charts: each chart reads the run store at a bounded rate, in its own
 * time slot, and draws a downsampled copy of the series.
 */
import { startTransition, useEffect, useState } from 'react';
import { useServices } from '../context';
import type { RunStore } from '../stores/run';

/** Shortest time between two updates of one chart, in ms. */
export const CHART_UPDATE_INTERVAL_MS = 1000;

/** Maximum number of points a chart draws per line. */
export const MAX_CHART_POINTS = 200;

/**
 * Returns evenly spaced points of `points`, at most `max` of them plus the last point. The
 * stride is a power of two, so the chosen points stay the same while the series grows until
 * the stride doubles, and the drawn line does not jitter from one update to the next.
 */
export function downsample<T>(points: readonly T[], max = MAX_CHART_POINTS): readonly T[] {
  if (points.length <= max) return points;
  let stride = 2;
  while (Math.ceil(points.length / stride) > max) stride *= 2;
  const picked: T[] = [];
  for (let i = 0; i < points.length; i += stride) picked.push(points[i]);
  if ((points.length - 1) % stride !== 0) picked.push(points[points.length - 1]);
  return picked;
}

/** Returns the delay, in ms, from `now` to the next time slot `offsetMs + k * intervalMs`. */
export function delayToSlot(now: number, intervalMs: number, offsetMs: number): number {
  const since = (((now - offsetMs) % intervalMs) + intervalMs) % intervalMs;
  return since === 0 ? 0 : intervalMs - since;
}

/**
 * Returns `select(state)` of the run store, updated at most once per CHART_UPDATE_INTERVAL_MS
 * and only in the time slots that start `offsetMs` after each multiple of that interval, so
 * that charts with different offsets update in different tasks. `select` must return the same
 * value for an unchanged state, such as an array of the store.
 */
export function useThrottledRunState<T>(select: (state: RunStore) => T, offsetMs: number): T {
  const { run } = useServices();
  const [value, setValue] = useState(() => select(run.getState()));

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delivered = value;
    const update = () => {
      timer = undefined;
      const latest = select(run.getState());
      if (latest === delivered) return;
      delivered = latest;
      // A transition lets React split its own render of the chart into short slices. The
      // re-renders that recharts' store dispatches trigger afterwards stay synchronous.
      startTransition(() => setValue(latest));
    };
    const schedule = () => {
      if (timer === undefined) timer = setTimeout(update, delayToSlot(performance.now(), CHART_UPDATE_INTERVAL_MS, offsetMs));
    };
    // The store may have changed between the first render and this effect.
    if (select(run.getState()) !== delivered) schedule();
    const unsubscribe = run.subscribe((state) => {
      if (select(state) !== delivered) schedule();
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
    // `select` is a module-level function of each chart, and `value` only seeds `delivered`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [run, offsetMs]);

  return value;
}
