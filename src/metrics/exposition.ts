// The Prometheus text exposition format (version 0.0.4), rendered from plain metric families. Pure: no I/O.
// Each family is written once with its HELP and TYPE and all its samples together, as the format requires;
// label values are escaped (backslash, double quote, newline), HELP text likewise (backslash, newline).

export type MetricType = 'gauge' | 'counter';

export interface Sample {
  labels: Readonly<Record<string, string>>;
  value: number | bigint;
}

export interface MetricFamily {
  /** The full sample name, e.g. rmnetctl_link_rx_bytes_total; counters end in _total. */
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A family rmnetctl declares badly is a programming error, not input: say which one. */
export class ExpositionError extends Error {
  override readonly name = 'ExpositionError';
}

const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const NEEDS_ESCAPE = /[\\"\n]/;
const escapeLabel = (text: string) => (NEEDS_ESCAPE.test(text) ? text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : text);

function formatValue(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function check(family: MetricFamily): void {
  if (!METRIC_NAME.test(family.name) || family.name.startsWith('__')) throw new ExpositionError(`metric name "${family.name}" is not valid`);
  if (family.type === 'counter' && !family.name.endsWith('_total')) throw new ExpositionError(`counter ${family.name} must end in _total`);
  if (family.type !== 'counter' && family.name.endsWith('_total')) throw new ExpositionError(`${family.name} ends in _total but is a ${family.type}`);
  const seen = new Set<string>();
  for (const sample of family.samples) {
    for (const label of Object.keys(sample.labels)) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new ExpositionError(`${family.name}: label name "${label}" is not valid`);
    }
    if (family.type === 'counter' && (typeof sample.value === 'bigint' ? sample.value < 0n : !(sample.value >= 0))) {
      throw new ExpositionError(`${family.name}: a counter cannot be ${String(sample.value)}`);
    }
    const key = Object.keys(sample.labels).sort().map((k) => `${k}\u0000${sample.labels[k]}`).join('\u0001');
    if (seen.has(key)) throw new ExpositionError(`${family.name}: two samples with the labels ${JSON.stringify(sample.labels)}`);
    seen.add(key);
  }
}

/** The exposition text of the families, in the order given; a family without samples is left out. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const names = new Set<string>();
  const lines: string[] = [];
  for (const family of families) {
    check(family);
    if (names.has(family.name)) throw new ExpositionError(`metric family ${family.name} given twice`);
    names.add(family.name);
    if (family.samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      lines.push(`${family.name}${labels ? `{${labels}}` : ''} ${formatValue(sample.value)}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
