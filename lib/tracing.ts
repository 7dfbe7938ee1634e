/**
 * X-Ray tracing through Powertools Tracer. Off unless the stack is deployed with
 * `--param tracing=true`, which sets `POWERTOOLS_TRACE_ENABLED` and the functions' active
 * tracing (serverless.yml); when off, `captureAWSv3Client` returns the client untouched.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer();
