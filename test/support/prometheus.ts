// Reads Prometheus exposition text with a real parser: Debian's python3-prometheus-client
// (prometheus_client.parser.text_string_to_metric_families), run through execFile with the text on stdin.
// It throws on what the format forbids (a bad sample line, samples of one family split apart, a bad escape).
import { execFile } from 'node:child_process';

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  samples: ParsedSample[];
}

const SCRIPT = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "help": f.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]})
print(json.dumps(out))
`;

/** Debian's interpreter, where the Debian package installs the module (a pyenv python3 on PATH lacks it). */
const PYTHON = '/usr/bin/python3';

export function parseExposition(text: string): Promise<ParsedFamily[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-c', SCRIPT], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`prometheus_client refused the text: ${stderr.trim().split('\n').pop() ?? error.message}`));
      else resolve(JSON.parse(stdout) as ParsedFamily[]);
    });
    child.stdin!.end(text);
  });
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when none matches. */
export function sampleValue(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = families.flatMap((f) => f.samples).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matching.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${matching.length} samples match`);
  return matching[0]?.value;
}
