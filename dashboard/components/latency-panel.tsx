import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { UplotChart } from '../charts/uplot-chart.js';
import { formatClock, formatMs } from '../format.js';
import type { LatencyChartData, LatencyLine, LatencyModel, LatencyResolution } from '../models/latency.js';

/** Line colours by environment position, distinct from the status colours and from each other for common colour blindness. */
const ENV_COLOURS = ['#58a6ff', '#d2a8ff', '#f0e442', '#56d4c4', '#ff9bce', '#ffa657'];
/** Checks of the same environment share its colour and differ in dash. */
const CHECK_DASHES: ReadonlyArray<number[] | undefined> = [undefined, [10, 6], [2, 5], [14, 4, 2, 4]];
const AXIS_FONT = '14px "Inter", "Segoe UI", system-ui, sans-serif';
const CHART_HEIGHT = 340;

const RESOLUTION_TEXT: Record<LatencyResolution, string> = {
  hour: 'p95 per minute · last hour',
  recent: 'max per 15 s · since start',
};

export interface LatencyPanelProps {
  readonly service: string | null;
  readonly latency: LatencyModel;
  readonly environments: readonly string[];
}

/** The selected service's probe latency: one line per environment (and check), y in ms, refreshed by the model. */
export function LatencyPanel({ service, latency, environments }: LatencyPanelProps) {
  const chart = latency.chart.value;
  const error = latency.error.value;
  return (
    <section class="panel panel--latency" aria-labelledby="latency-title">
      <div class="panel__head">
        <h2 id="latency-title" class="panel__title">
          Latency{service && <span class="panel__subject"> · {service}</span>}
        </h2>
        {chart && <span class="panel__note">{RESOLUTION_TEXT[chart.resolution]}</span>}
      </div>
      {error && <p class="panel__error">Latency unavailable: {error}</p>}
      {chart === null ? (
        <div class="chart-placeholder" style={{ height: CHART_HEIGHT }}>
          {service === null ? 'No services configured' : 'Loading latency…'}
        </div>
      ) : chart.lines.length === 0 ? (
        <div class="chart-placeholder" style={{ height: CHART_HEIGHT }}>
          No latency samples for {chart.service} in the last hour yet
        </div>
      ) : (
        <LatencyChart chart={chart} environments={environments} />
      )}
    </section>
  );
}

function LatencyChart({ chart, environments }: { chart: LatencyChartData; environments: readonly string[] }) {
  const linesKey = `${chart.lines.map((line) => line.label).join('|')}#${environments.join('|')}`;
  // The plot is recreated only when its lines change; new points go through setData.
  const options = useMemo(() => latencyOptions(chart.lines, environments), [linesKey]);
  return (
    <div class="latency-chart" data-testid="latency-chart" data-lines={chart.lines.length}>
      <UplotChart options={options} data={chart.data} height={CHART_HEIGHT} label={`Probe latency of ${chart.service}`} />
    </div>
  );
}

function latencyOptions(lines: readonly LatencyLine[], environments: readonly string[]): Omit<uPlot.Options, 'width' | 'height'> {
  const checksByEnv = new Map<string, string[]>();
  for (const line of lines) checksByEnv.set(line.env, [...(checksByEnv.get(line.env) ?? []), line.check]);
  const colours = lines.map((line) => {
    const envIndex = environments.indexOf(line.env);
    return ENV_COLOURS[(envIndex === -1 ? environments.length : envIndex) % ENV_COLOURS.length]!;
  });
  const axis: uPlot.Axis = {
    stroke: '#9da7b3',
    font: AXIS_FONT,
    grid: { stroke: 'rgba(240, 246, 252, 0.07)', width: 1 },
    ticks: { stroke: 'rgba(240, 246, 252, 0.12)', width: 1, size: 6 },
  };
  return {
    class: 'latency-plot',
    padding: [16, 32, 0, 4],
    cursor: { drag: { x: true, y: false }, points: { size: 9 } },
    legend: { live: true, markers: { fill: (_plot, seriesIndex) => colours[seriesIndex - 1] ?? 'transparent' } },
    scales: {
      // For a lone timestamp (the first probe run) uPlot spans a day, all ticks reading 00:00: show a minute either side.
      x: { time: true, range: (plot, min, max) => (plot.data[0]?.length === 1 && min !== null ? [min - 60, min + 60] : [min, max]) },
      y: { range: (_plot, _min, max) => [0, max !== null && max > 0 ? max * 1.15 : 1] },
    },
    axes: [
      { ...axis, space: 90, values: (_plot, splits, _axis, _space, incrementSeconds) => splits.map((at) => formatTick(at, incrementSeconds)) },
      { ...axis, size: 84, space: 44, values: (_plot, splits) => splits.map((value) => formatMs(value)) },
    ],
    series: [
      // Without a cursor on the plot the legend shows the newest point, so a wall screen reads current values.
      { label: 'Time', value: (plot, seconds, _series, index) => formatClockOrDash(index === null ? lastValue(plot.data[0]) : seconds) },
      ...lines.map((line, lineIndex): uPlot.Series => {
        const colour = colours[lineIndex];
        const checkIndex = checksByEnv.get(line.env)?.indexOf(line.check) ?? 0;
        return {
          label: line.label,
          stroke: colour,
          width: 2.5,
          dash: CHECK_DASHES[checkIndex % CHECK_DASHES.length],
          points: { size: 6, fill: colour },
          value: (plot, ms, seriesIndex, index) => formatMs(index === null ? lastValue(plot.data[seriesIndex]) : ms),
        };
      }),
    ],
  };
}

function lastValue(values: uPlot.AlignedData[number] | undefined): number | null {
  if (!values) return null;
  for (let index = values.length - 1; index >= 0; index -= 1) {
    const value = values[index];
    if (value != null) return value;
  }
  return null;
}

function formatClockOrDash(seconds: number | null | undefined): string {
  return seconds == null ? '–' : formatClock(seconds * 1000);
}

/** `14:05` on minute ticks, `14:05:30` when ticks are less than a minute apart. */
function formatTick(seconds: number, incrementSeconds: number): string {
  const clock = formatClock(seconds * 1000);
  return incrementSeconds < 60 ? clock : clock.slice(0, 5);
}
