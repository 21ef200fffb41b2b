// Pure geometry of the server-rendered history charts: samples in, SVG coordinates out.

/** One value at one instant; null marks a gap (the process was not running or not measured). */
export interface ChartPoint {
  readonly t: number;
  readonly v: number | null;
}

/** Drawing area and scale of a chart. */
export interface ChartFrame {
  readonly width: number;
  readonly height: number;
  readonly padLeft: number;
  readonly padRight: number;
  readonly padTop: number;
  readonly padBottom: number;
}

/** Where the lines, grid and labels go. */
export interface ChartGeometry {
  /** Polylines, one per run of consecutive values (gaps break a line). */
  readonly segments: readonly string[];
  /** Horizontal grid lines: y coordinate and the value they stand for. */
  readonly yTicks: readonly { y: number; value: number }[];
  readonly yMax: number;
  readonly tMin: number;
  readonly tMax: number;
  /** Vertical markers (restarts): x coordinate and the instant. */
  readonly markers: readonly { x: number; t: number }[];
}

/** The smallest 1/2/5 × 10^n at or above `value` (and above 0), so axis labels read well. */
export function niceCeiling(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Lays out points (any order) in the frame; `yMaxHint` (e.g. 100 for %) is a floor for the scale. */
export function chartGeometry(
  points: readonly ChartPoint[],
  frame: ChartFrame,
  options: { yMaxHint?: number; markers?: readonly number[]; yUnit?: number } = {},
): ChartGeometry {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const values = sorted.flatMap((p) => (p.v === null || !Number.isFinite(p.v) ? [] : [p.v]));
  // The scale is a 1/2/5 step of `yUnit` (e.g. 3600 for seconds read as hours), so ticks land on round values.
  const unit = options.yUnit ?? 1;
  const yMax = niceCeiling((Math.max(options.yMaxHint ?? 0, ...values, 0) || unit) / unit) * unit;
  const tMin = sorted[0]?.t ?? 0;
  const tMax = sorted.at(-1)?.t ?? 0;
  const plotW = frame.width - frame.padLeft - frame.padRight;
  const plotH = frame.height - frame.padTop - frame.padBottom;
  const x = (t: number) =>
    round(frame.padLeft + (tMax === tMin ? plotW : ((t - tMin) / (tMax - tMin)) * plotW));
  const y = (v: number) => round(frame.padTop + plotH - (Math.min(Math.max(v, 0), yMax) / yMax) * plotH);

  const segments: string[] = [];
  let current: string[] = [];
  for (const p of sorted) {
    if (p.v === null || !Number.isFinite(p.v)) {
      if (current.length) segments.push(current.join(' '));
      current = [];
      continue;
    }
    current.push(`${x(p.t)},${y(p.v)}`);
  }
  if (current.length) segments.push(current.join(' '));

  const yTicks = [0, 0.5, 1].map((f) => ({ y: y(yMax * f), value: yMax * f }));
  const markers = (options.markers ?? []).filter((t) => t >= tMin && t <= tMax).map((t) => ({ x: x(t), t }));
  return { segments, yTicks, yMax, tMin, tMax, markers };
}
