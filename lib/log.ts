/**
 * Structured logs through Powertools for AWS Lambda's Logger: one JSON object per line with the
 * request id, function name and cold start (added by the `injectLambdaContext` middleware, see
 * lib/http/middleware.ts), plus the correlation fields a handler appends (device id, message id,
 * lock token prefix, route/endpoint). Callers pass only fields they chose; tokens, keys and
 * bodies are never logged, which test/secrets.test.ts checks by grepping every log of a hub that
 * runs at DEBUG level.
 *
 * Settings are Powertools' own environment variables, set in serverless.yml: the level from
 * `AWS_LAMBDA_LOG_LEVEL` (Lambda's application log level) or `POWERTOOLS_LOG_LEVEL`, debug
 * sampling from `POWERTOOLS_LOGGER_SAMPLE_RATE`, the service name from `POWERTOOLS_SERVICE_NAME`.
 * `DEVHUB_LOG_STYLE=compact` (what `npm start` sets) prints a short line for a terminal instead
 * of Lambda's full record.
 */
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/** For a person at a terminal: time, level, short function name, message, then the fields. */
export class CompactLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const fn = attributes.lambdaContext?.functionName;
    return new LogItem({
      attributes: {
        time: attributes.timestamp.toISOString().slice(11, 23),
        level: attributes.logLevel,
        // devhub-local-deviceApi → deviceApi: the stage prefix is the same on every line.
        ...(fn ? { fn: fn.slice(fn.lastIndexOf('-') + 1) } : {}),
        message: attributes.message,
      },
    }).addAttributes(additional);
  }
}

function createLogger(env: Record<string, string | undefined>): Logger {
  return new Logger(env.DEVHUB_LOG_STYLE === 'compact' ? { logFormatter: new CompactLogFormatter() } : {});
}

/** The hub's one logger; `log.info(message, { fields })`. */
export const log = createLogger(process.env);

/** The parts of an error that are safe to log (no request data). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.name, errorMessage: err.message, stack: err.stack?.split('\n').slice(0, 6).join('\n') };
  return { error: String(err) };
}

/** How much of a lock token may be logged: enough to correlate lines, too little to settle with. */
export function lockTokenPrefix(lockToken: string): string {
  return lockToken.slice(0, 8);
}
