/**
 * X-Ray tracing through Powertools Tracer. Off unless the stack is deployed with
 * `--param tracing=true`, which sets `POWERTOOLS_TRACE_ENABLED` (Powertools' own setting) and
 * the functions' active tracing (serverless.yml). The Tracer and the X-Ray SDK under it are
 * loaded only then: evaluating them made module initialisation ~40% slower (measured on the
 * deviceApi and router bundles), a cost every cold start would pay for nothing.
 */
import type { Tracer } from '@aws-lambda-powertools/tracer';

function loadTracer(): Tracer | undefined {
  if (process.env.POWERTOOLS_TRACE_ENABLED?.trim().toLowerCase() !== 'true') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose (see above); esbuild still bundles it
  const powertools = require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer');
  return new powertools.Tracer();
}

/** The Tracer when tracing is on, else undefined. */
export const tracer = loadTracer();

/** The client with an X-Ray subsegment per call when tracing is on; the client itself otherwise. */
export function traced<T>(client: T): T {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}
