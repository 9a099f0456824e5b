// Inline SVG line charts for the overview: no script, no external asset, no inline style (the
// console's CSP allows neither), colours from console.css classes. Each chart can draw the
// environment's alert threshold (or the autoscaler's target) as a dashed line, and says in its
// <title> what it shows.
import type { Point } from './history.js';

export interface Series {
  label: string;
  /** A css class in console.css (line colour). */
  cls: string;
  values: (number | null)[];
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  series: Series[];
  /** The alert threshold in the chart's unit, when the environment has an alert on this value. */
  threshold?: number;
  /** What the dashed line is: an alert threshold (the default) or the autoscaler's target. */
  thresholdKind?: 'alert' | 'target';
  /** The window the x axis spans, ms. */
  windowMs: number;
}

const W = 480;
const H = 150;
const PAD = { left: 48, right: 10, top: 12, bottom: 22 };

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The x axis's span: minutes, or seconds under one (a freshly started pod). */
export const span = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.round(ms / 1000))} s`);

/** A short number: 3 significant digits, no exponent for the values charts show. */
export function short(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  return String(Number(v.toPrecision(3)));
}

/** The y range: from 0 to a little above the largest value or the threshold. */
function top(spec: ChartSpec): number {
  let max = spec.threshold ?? 0;
  for (const s of spec.series) for (const v of s.values) if (v !== null && v > max) max = v;
  return max > 0 ? max * 1.15 : 1;
}

/** One polyline per run of measured values (a gap where a value is null). */
function lines(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string[] {
  const runs: string[] = [];
  let run: string[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length) runs.push(run.join(' '));
      run = [];
    } else run.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  });
  if (run.length) runs.push(run.join(' '));
  // A single point draws nothing as a polyline: widen it to a short dash.
  return runs.map((r) => (r.includes(' ') ? r : `${r} ${r.replace(/^([\d.]+)/, (n) => String(Number(n) + 2))}`));
}

export function lineChart(spec: ChartSpec): string {
  const yMax = top(spec);
  const n = Math.max(...spec.series.map((s) => s.values.length), 2);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  // The newest point is at the right edge; the x axis always spans the whole window.
  const x = (i: number) => PAD.left + plotW * (1 - (n - 1 - i) / Math.max(n - 1, 1));
  const y = (v: number) => PAD.top + plotH * (1 - v / yMax);
  const latest = spec.series.map((s) => {
    const v = [...s.values].reverse().find((x) => x !== null);
    return `${s.label} ${v === undefined || v === null ? 'no data' : `${short(v)} ${spec.unit}`}`;
  });
  const target = spec.thresholdKind === 'target';
  const summary = `${spec.title}, last ${span(spec.windowMs)}: now ${latest.join(', ')}${spec.threshold === undefined ? '' : `; ${target ? 'scaling target' : 'alert threshold'} ${short(spec.threshold)} ${spec.unit}`}`;
  const parts = [
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${spec.id}-title">`,
    `<title id="${spec.id}-title">${escapeXml(summary)}</title>`,
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}"/>`,
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}"/>`,
    `<text class="tick" x="${PAD.left - 4}" y="${PAD.top + 4}" text-anchor="end">${escapeXml(short(yMax))}</text>`,
    `<text class="tick" x="${PAD.left - 4}" y="${PAD.top + plotH}" text-anchor="end">0</text>`,
    `<text class="tick" x="${PAD.left}" y="${H - 6}">−${span(spec.windowMs)}</text>`,
    `<text class="tick" x="${W - PAD.right}" y="${H - 6}" text-anchor="end">now</text>`,
  ];
  if (spec.threshold !== undefined) {
    const ty = y(spec.threshold).toFixed(1);
    const kind = target ? 'target' : 'threshold';
    parts.push(`<line class="${kind}" x1="${PAD.left}" y1="${ty}" x2="${W - PAD.right}" y2="${ty}"/>`);
    parts.push(`<text class="tick ${kind}-label" x="${W - PAD.right}" y="${Number(ty) - 4}" text-anchor="end">${target ? 'scale-up target' : 'alert &gt;'} ${escapeXml(short(spec.threshold))} ${escapeXml(spec.unit)}</text>`);
  }
  for (const s of spec.series) for (const pts of lines(s.values, x, y)) parts.push(`<polyline class="series ${escapeXml(s.cls)}" points="${pts}"/>`);
  parts.push('</svg>');
  return parts.join('');
}

/** The overview's charts from the history's points, with the environment's thresholds and the autoscaler's target. */
export function overviewCharts(points: Point[], alerts: { p99Seconds?: number; errorRatePercent?: number; cpuPercent?: number; memoryPercent?: number; targetBusyPercent?: number }, windowMs: number) {
  const col = <K extends keyof Point>(k: K) => points.map((p) => p[k]) as (number | null)[];
  const specs: (ChartSpec & { caption: string })[] = [
    { id: 'chart-rps', title: 'Requests per second', caption: 'Requests per second (all routes)', unit: 'req/s', series: [{ label: 'requests/s', cls: 's1', values: col('requestsPerSecond') }], windowMs },
    { id: 'chart-latency', title: 'Latency p50 and p99', caption: 'Latency: p50 (blue) and p99 (orange)', unit: 's', series: [{ label: 'p50', cls: 's1', values: col('p50Seconds') }, { label: 'p99', cls: 's2', values: col('p99Seconds') }], ...(alerts.p99Seconds === undefined ? {} : { threshold: alerts.p99Seconds }), windowMs },
    { id: 'chart-errors', title: 'Error rate (5xx)', caption: 'Error rate: 5xx answers, % of all', unit: '%', series: [{ label: '5xx', cls: 's2', values: col('errorRatePercent') }], ...(alerts.errorRatePercent === undefined ? {} : { threshold: alerts.errorRatePercent }), windowMs },
    {
      id: 'chart-busy',
      title: 'Busy sequences',
      caption: 'Sequences busy (blue) and busy + waiting (orange, what the autoscaler sums), % of the sequences',
      unit: '%',
      series: [{ label: 'busy', cls: 's1', values: col('busyPercent') }, { label: 'busy + waiting', cls: 's2', values: col('loadPercent') }],
      ...(alerts.targetBusyPercent === undefined ? {} : { threshold: alerts.targetBusyPercent, thresholdKind: 'target' as const }),
      windowMs,
    },
    { id: 'chart-tokens', title: 'Tokens per second', caption: 'Tokens generated per second', unit: 'tok/s', series: [{ label: 'tokens/s', cls: 's1', values: col('tokensPerSecond') }], windowMs },
    { id: 'chart-cpu', title: 'CPU, % of the limit', caption: 'CPU: % of the CPU limit (this process)', unit: '%', series: [{ label: 'CPU', cls: 's1', values: col('cpuPercent') }], ...(alerts.cpuPercent === undefined ? {} : { threshold: alerts.cpuPercent }), windowMs },
    { id: 'chart-memory', title: 'Memory, % of the limit', caption: 'Memory: resident, % of the memory limit (this process)', unit: '%', series: [{ label: 'memory', cls: 's1', values: col('memoryPercent') }], ...(alerts.memoryPercent === undefined ? {} : { threshold: alerts.memoryPercent }), windowMs },
  ];
  return specs.map((s) => ({ id: s.id, caption: s.caption, hasThreshold: s.threshold !== undefined && s.thresholdKind !== 'target', svg: lineChart(s) }));
}
