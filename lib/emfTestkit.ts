/** Reads what the hub's logger and metrics print on stdout (JSON logs, CloudWatch EMF), for unit tests. Not used by production code. */
import { metrics } from './metrics';

export interface EmfLine {
  namespace: string;
  /** Dimension name → value, `service` included. */
  dimensions: Record<string, string>;
  /** Metric name → value (an array when several observations were published together). */
  values: Record<string, number | number[]>;
  units: Record<string, string>;
  /** `_aws.Timestamp`: the epoch ms CloudWatch files the values at. */
  timestamp: number;
}

/** Parses the EMF lines among captured stdout text; other lines are ignored. */
export function parseEmf(text: string): EmfLine[] {
  const out: EmfLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"_aws"')) continue;
    const doc = JSON.parse(line) as Record<string, unknown> & {
      _aws: {
        Timestamp: number;
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
      };
    };
    for (const directive of doc._aws.CloudWatchMetrics) {
      const names = directive.Dimensions.flat();
      out.push({
        namespace: directive.Namespace,
        dimensions: Object.fromEntries(names.map((n) => [n, String(doc[n])])),
        values: Object.fromEntries(directive.Metrics.map((m) => [m.Name, doc[m.Name] as number | number[]])),
        units: Object.fromEntries(directive.Metrics.map((m) => [m.Name, m.Unit])),
        timestamp: doc._aws.Timestamp,
      });
    }
  }
  return out;
}

/** Everything `work` prints on stdout and stderr (where Powertools writes logs and metrics; Lambda keeps both). */
export async function captureOutput(work: () => unknown): Promise<string> {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write.bind(s));
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof stream.write;
  }
  try {
    await work();
  } finally {
    streams.forEach((s, i) => (s.write = originals[i] as typeof s.write));
  }
  return chunks.join('');
}

/** Runs `work`, publishes everything the hub's recorder holds (as an interval of 0 would), and returns the EMF lines printed. */
export async function captureEmf(work: () => unknown): Promise<EmfLine[]> {
  return parseEmf(
    await captureOutput(async () => {
      await work();
      metrics.flush();
    }),
  );
}

/** The summed value of `name` over lines whose dimensions include `where`. */
export function total(lines: readonly EmfLine[], name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of lines) {
    const v = line.values[name];
    if (v === undefined) continue;
    if (!Object.entries(where).every(([k, val]) => line.dimensions[k] === val)) continue;
    sum += Array.isArray(v) ? v.reduce((a, b) => a + b, 0) : v;
  }
  return sum;
}
