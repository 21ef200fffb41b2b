import { type ChartFrame, type ChartPoint, chartGeometry } from './chart-geometry.ts';

const FRAME: ChartFrame = { width: 640, height: 220, padLeft: 70, padRight: 14, padTop: 14, padBottom: 28 };

/** Props of {@link LineChart}. */
export interface LineChartProps {
  title: string;
  points: readonly ChartPoint[];
  /** Formats an axis value (`50 %`, `812 MB`). */
  format: (value: number) => string;
  /** Formats an instant on the time axis. */
  formatTime: (t: number) => string;
  yMaxHint?: number;
  /** Unit the scale is rounded in (3600: seconds shown as whole hours). */
  yUnit?: number;
  /** Instants of restarts, drawn as vertical markers. */
  markers?: readonly number[];
}

/** A server-rendered SVG line chart: no script, scales with its container, gaps where there is no value. */
export function LineChart(props: LineChartProps) {
  const g = chartGeometry(props.points, FRAME, {
    yMaxHint: props.yMaxHint,
    markers: props.markers,
    yUnit: props.yUnit,
  });
  const empty = g.segments.length === 0;
  const bottom = FRAME.height - FRAME.padBottom;
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${FRAME.width} ${FRAME.height}`} role="img" aria-label={`${props.title} chart`}>
        <title>{props.title}</title>
        {g.yTicks.map((tick) => (
          <g>
            <line class="grid" x1={FRAME.padLeft} x2={FRAME.width - FRAME.padRight} y1={tick.y} y2={tick.y} />
            <text class="axis" x={FRAME.padLeft - 6} y={tick.y + 5} text-anchor="end">
              {props.format(tick.value)}
            </text>
          </g>
        ))}
        {g.markers.map((m) => (
          <line class="marker" x1={m.x} x2={m.x} y1={FRAME.padTop} y2={bottom}>
            <title>restart at {props.formatTime(m.t)}</title>
          </line>
        ))}
        {g.segments.map((points) => (
          <polyline class="line" points={points} />
        ))}
        {empty ? (
          <text class="axis" x={FRAME.width / 2} y={FRAME.height / 2} text-anchor="middle">
            no values in this range
          </text>
        ) : (
          <g>
            <text class="axis" x={FRAME.padLeft} y={FRAME.height - 6} text-anchor="start">
              {props.formatTime(g.tMin)}
            </text>
            <text class="axis" x={FRAME.width - FRAME.padRight} y={FRAME.height - 6} text-anchor="end">
              {props.formatTime(g.tMax)}
            </text>
          </g>
        )}
      </svg>
    </figure>
  );
}
