/**
 * Structured JSON logs (one line per event). Callers pass only fields they chose; tokens,
 * keys and bodies are never logged, which a test checks by grepping captured output.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = LEVELS[(process.env.LOG_LEVEL?.toLowerCase() as Level | undefined) ?? 'info'] ?? LEVELS.info;

function write(level: Level, message: string, fields: Record<string, unknown>): void {
  if (LEVELS[level] < threshold) return;
  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...fields });
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
}

export const log = {
  debug: (message: string, fields: Record<string, unknown> = {}) => write('debug', message, fields),
  info: (message: string, fields: Record<string, unknown> = {}) => write('info', message, fields),
  warn: (message: string, fields: Record<string, unknown> = {}) => write('warn', message, fields),
  error: (message: string, fields: Record<string, unknown> = {}) => write('error', message, fields),
};

/**
 * An error that is also a CloudWatch metric: the line is in Embedded Metric Format, which Lambda's
 * log delivery turns into metric `devhub/<name>` (dimension: function) with no SDK call and no
 * extra IAM grant. Alarm on it where an answer cannot carry the failure (WebSocket frames are
 * answered 200 by contract).
 */
export function errorMetric(name: string, message: string, fields: Record<string, unknown> = {}): void {
  const fn = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local';
  write('error', message, {
    ...fields,
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{ Namespace: 'devhub', Dimensions: [['Function']], Metrics: [{ Name: name, Unit: 'Count' }] }],
    },
    Function: fn,
    [name]: 1,
  });
}

/** The parts of an error that are safe to log (no request data). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.name, errorMessage: err.message, stack: err.stack?.split('\n').slice(0, 6).join('\n') };
  return { error: String(err) };
}
