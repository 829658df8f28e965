// A small hand-written SVG grouped bar chart: no browser, no dependency, stable output (diffs stay readable).

export interface BarSeries {
  name: string;
  color: string;
  /** One value per group; NaN or <= 0 (log scale) draws no bar. */
  values: number[];
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  groups: string[];
  series: BarSeries[];
  /** Logarithmic y axis (decades), for values spanning orders of magnitude. */
  log?: boolean;
  /** Horizontal reference lines, e.g. a target. */
  lines?: Array<{ value: number; label: string; color?: string }>;
  width?: number;
  height?: number;
  /** Print each bar's value above it. */
  labels?: boolean;
  /** Decimal places of the bar labels. */
  digits?: number;
}

/** A white outline behind text, so labels stay readable over bars and grid lines. */
const HALO = 'paint-order="stroke" stroke="white" stroke-width="3" stroke-linejoin="round"';
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.round(v * 10) / 10).toString();

function niceStep(range: number): number {
  const raw = range / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

function formatTick(v: number): string {
  if (v >= 1000) return `${v / 1000}k`;
  if (v >= 1) return String(Math.round(v * 100) / 100);
  return String(Number(v.toPrecision(2)));
}

export function groupedBarChart(options: BarChartOptions): string {
  const width = options.width ?? 900;
  const height = options.height ?? 420;
  const margin = { top: 48, right: 20, bottom: 78, left: 70 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const values = options.series.flatMap((s) => s.values).concat((options.lines ?? []).map((l) => l.value));
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  const maxValue = positive.length ? Math.max(...positive) : 1;

  let toY: (v: number) => number;
  const ticks: number[] = [];
  if (options.log) {
    // 0.99: a value sitting exactly on a decade (a target of 10) gets a decade below it, not the baseline
    const low = Math.floor(Math.log10(Math.min(...(positive.length ? positive : [1])) * 0.99));
    const high = Math.ceil(Math.log10(maxValue * 1.05));
    const span = Math.max(1, high - low);
    toY = (v) => margin.top + plotHeight - ((Math.log10(v) - low) / span) * plotHeight;
    for (let e = low; e <= high; e++) ticks.push(10 ** e);
  } else {
    const step = niceStep(maxValue * 1.1);
    const top = Math.ceil((maxValue * 1.1) / step) * step;
    toY = (v) => margin.top + plotHeight - (v / top) * plotHeight;
    for (let t = 0; t <= top + step / 2; t += step) ticks.push(t);
  }
  const baseline = margin.top + plotHeight;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escape(options.title)}</text>`);
  // grid and y axis
  for (const t of ticks) {
    const y = fmt(toY(t));
    out.push(`<line x1="${margin.left}" y1="${y}" x2="${width - margin.right}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`);
  }
  out.push(
    `<text transform="translate(16 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}` +
      `${options.log ? ' (log scale)' : ''}</text>`,
  );
  // bars
  const groupWidth = plotWidth / Math.max(1, options.groups.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, options.series.length);
  options.groups.forEach((group, g) => {
    const x0 = margin.left + g * groupWidth + groupWidth * 0.1;
    options.series.forEach((series, s) => {
      const v = series.values[g] ?? Number.NaN;
      if (!Number.isFinite(v) || v <= 0) return;
      const x = x0 + s * barWidth;
      const y = Math.min(baseline, toY(v));
      out.push(
        `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(barWidth - 1)}" height="${fmt(baseline - y)}" fill="${series.color}">` +
          `<title>${escape(`${series.name}, ${group}: ${v.toPrecision(4)}`)}</title></rect>`,
      );
      if (options.labels) {
        const label = v >= 100 ? v.toFixed(0) : v.toFixed(options.digits ?? 1);
        out.push(
          `<text x="${fmt(x + barWidth / 2)}" y="${fmt(y - 3)}" text-anchor="middle" font-size="9" ${HALO}>${label}</text>`,
        );
      }
    });
    const lines = group.split('\n');
    lines.forEach((line, i) => {
      out.push(
        `<text x="${fmt(x0 + groupWidth * 0.4)}" y="${baseline + 16 + i * 14}" text-anchor="middle">${escape(line)}</text>`,
      );
    });
  });
  out.push(`<line x1="${margin.left}" y1="${baseline}" x2="${width - margin.right}" y2="${baseline}" stroke="#333"/>`);
  // reference lines
  for (const line of options.lines ?? []) {
    const y = fmt(toY(line.value));
    const color = line.color ?? '#c00';
    out.push(`<line x1="${margin.left}" y1="${y}" x2="${width - margin.right}" y2="${y}" stroke="${color}" stroke-dasharray="6 4"/>`);
    out.push(
      `<text x="${width - margin.right - 4}" y="${Number(y) - 4}" text-anchor="end" fill="${color}" ${HALO}>${escape(line.label)}</text>`,
    );
  }
  // legend (a single series needs none)
  let lx = margin.left;
  if (options.series.length < 2) options = { ...options, series: [] };
  const ly = height - 18;
  for (const series of options.series) {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${series.color}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly}">${escape(series.name)}</text>`);
    lx += 24 + series.name.length * 7;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
