/**
 * The live training curves, drawn with recharts. A recharts 3 chart update costs several ms of
 * main-thread time (store dispatches and re-renders inside recharts), so the charts keep that
 * cost per task small. Each chart reads the run store at most once a second in its own time
 * slot, draws at most MAX_CHART_POINTS points per line, gets a fixed size, and re-renders only
 * when its data or width changes.
 */
import { memo, useEffect, useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis, type BaseTickContentProps } from 'recharts';
import type { EpochMetrics } from '../../core/train/loop';
import { formatPercent } from '../format';
import type { RunStore, ThroughputPoint } from '../stores/run';
import { CHART_UPDATE_INTERVAL_MS, downsample, useThrottledRunState } from './chartFeed';

const CHART_HEIGHT = 240;

/** Epochs up to which the accuracy chart marks each epoch with a dot. */
const MAX_DOTTED_EPOCHS = 30;

/**
 * Rows that an empty chart draws, with CSS hiding the lines and the tooltip (`data-empty`), so
 * the axes run from 0 to 1. recharts' first render with numbers costs about twice a later
 * update, because its code runs for the first time and the ticks and lines mount. With
 * test/browser/trace-training.ts --cpu in Chromium 156 on two cores, that was about 20 ms of
 * CPU time against 9 ms. These rows move that render to when the panel opens.
 */
const EMPTY_POINTS: ThroughputPoint[] = [
  { step: 0, epoch: 0, loss: 0, accuracy: 0, samplesPerSecond: 0 },
  { step: 1, epoch: 0, loss: 1, accuracy: 1, samplesPerSecond: 1 },
];
const EMPTY_HISTORY: EpochMetrics[] = [0, 1].map((value) => ({
  phase: 0,
  epoch: value,
  trainLoss: value,
  trainAccuracy: value,
  testAccuracyFloat: value,
  testAccuracy: value,
  samplesPerSecond: value,
  seconds: value,
  tensors: 0,
}));

/** x axes start at 0 and end at the nice tick after the data, so that no tick label crowds the last one. */
const X_DOMAIN: [number, string] = [0, 'auto'];
const ACCURACY_DOMAIN: [number, number] = [0, 1];
/** Room on the right for the last x tick label, which no right axis covers. */
const ACCURACY_MARGIN = { top: 5, right: 16, bottom: 5, left: 5 };
const formatAccuracy = (value: unknown) => formatPercent(Number(value));
const selectPoints = (s: RunStore) => s.points;
const selectHistory = (s: RunStore) => s.history;

const TICK_DY = { start: '0.71em', middle: '0.355em', end: '0' } as const;

/**
 * Draws a tick label as plain SVG text. recharts' default label is its `Text` component, which
 * measures each word in the DOM to wrap it and so forces a layout.
 */
function renderTick({ x, y, textAnchor, verticalAnchor, fill, className, payload }: BaseTickContentProps) {
  return (
    <text x={x} y={y} dy={TICK_DY[verticalAnchor]} textAnchor={textAnchor} fill={fill} className={className}>
      {String(payload.value)}
    </text>
  );
}

/** Returns a callback ref and the content width of the element it is attached to, from a ResizeObserver. */
function useElementWidth(): [(element: HTMLElement | null) => void, number] {
  const [element, setElement] = useState<HTMLElement | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!element) return;
    const observer = new ResizeObserver((entries) => setWidth(Math.floor(entries[0].contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return [setElement, width];
}

/**
 * Returns whether a chart hides its placeholder lines: at once when it has no data, and after
 * data arrives until the next commit. recharts draws new data in the passive effects of the
 * commit that passes it, so without the delay the placeholder lines could show for a frame.
 */
function useHidePlaceholder(empty: boolean): boolean {
  const [wasEmpty, setWasEmpty] = useState(empty);
  useEffect(() => setWasEmpty(empty), [empty]);
  return empty || wasEmpty;
}

/** Returns false until a task after the first render has run. */
function useNextTask(): boolean {
  const [ran, setRan] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setRan(true), 0);
    return () => clearTimeout(timer);
  }, []);
  return ran;
}

// `interval={0}` shows every tick of the axis's nice scale (5 by default). The default interval
// measures each label in the DOM to drop overlapping ones.
const BatchLines = memo(function BatchLines({ points, width }: { points: readonly ThroughputPoint[]; width: number }) {
  return (
    <LineChart data={points as ThroughputPoint[]} width={width} height={CHART_HEIGHT}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="step" type="number" domain={X_DOMAIN} allowDecimals={false} interval={0} tick={renderTick} />
      <YAxis yAxisId="loss" width={48} interval={0} tick={renderTick} />
      <YAxis yAxisId="speed" orientation="right" width={56} interval={0} tick={renderTick} />
      <Tooltip isAnimationActive={false} />
      <Legend />
      <Line yAxisId="loss" name="train loss" type="monotone" dataKey="loss" stroke="#c2410c" dot={false} activeDot={false} isAnimationActive={false} />
      <Line yAxisId="speed" name="samples/s" type="monotone" dataKey="samplesPerSecond" stroke="#0891b2" dot={false} activeDot={false} isAnimationActive={false} />
    </LineChart>
  );
});

const AccuracyLines = memo(function AccuracyLines({ history, width }: { history: readonly EpochMetrics[]; width: number }) {
  const dot = history.length <= MAX_DOTTED_EPOCHS;
  return (
    <LineChart data={history as EpochMetrics[]} width={width} height={CHART_HEIGHT} margin={ACCURACY_MARGIN}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="epoch" type="number" domain={X_DOMAIN} allowDecimals={false} interval={0} tick={renderTick} />
      <YAxis domain={ACCURACY_DOMAIN} width={48} interval={0} tick={renderTick} />
      <Tooltip formatter={formatAccuracy} isAnimationActive={false} />
      <Legend />
      <Line name="train" dataKey="trainAccuracy" stroke="#2563eb" dot={dot} isAnimationActive={false} />
      <Line name="test (float)" dataKey="testAccuracyFloat" stroke="#16a34a" dot={dot} isAnimationActive={false} />
      <Line name="test (binary, exportable)" dataKey="testAccuracy" stroke="#9333ea" strokeDasharray="5 3" dot={dot} isAnimationActive={false} />
    </LineChart>
  );
});

/**
 * Per-batch curves in one chart. `data-points` is the number of points drawn per line, and
 * `data-empty` marks a chart that hides its lines because it shows, or has just replaced, its
 * placeholder rows.
 */
export function BatchChart() {
  const [ref, width] = useElementWidth();
  const points = useThrottledRunState(selectPoints, 0);
  const drawn = useMemo(() => downsample(points), [points]);
  const empty = drawn.length === 0;
  const hidden = useHidePlaceholder(empty);
  return (
    <figure className="chart" data-testid="chart-loss" data-points={drawn.length} data-empty={hidden || undefined}>
      <figcaption>Per batch: train loss (running mean over the epoch, left axis) and samples per second (right axis)</figcaption>
      <div ref={ref} style={{ height: CHART_HEIGHT }}>
        {width > 0 && <BatchLines points={empty ? EMPTY_POINTS : drawn} width={width} />}
      </div>
    </figure>
  );
}

/**
 * Accuracy per epoch, updated half an update interval after the per-batch chart so the two
 * render in different tasks. It also mounts one task after the per-batch chart, which splits
 * the work of opening the panel into two tasks.
 */
export function AccuracyChart() {
  const [ref, measuredWidth] = useElementWidth();
  const width = useNextTask() ? measuredWidth : 0;
  const history = useThrottledRunState(selectHistory, CHART_UPDATE_INTERVAL_MS / 2);
  const drawn = useMemo(() => downsample(history), [history]);
  const empty = drawn.length === 0;
  const hidden = useHidePlaceholder(empty);
  return (
    <figure className="chart" data-testid="chart-accuracy" data-points={drawn.length} data-empty={hidden || undefined}>
      <figcaption>Accuracy per epoch</figcaption>
      <div ref={ref} style={{ height: CHART_HEIGHT }}>
        {width > 0 && <AccuracyLines history={empty ? EMPTY_HISTORY : drawn} width={width} />}
      </div>
    </figure>
  );
}
