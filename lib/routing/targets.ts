/** What an endpoint's target string names: an SQS queue (URL or ARN) or a Kinesis stream (name or ARN). Pure. */
import { BadRequestError } from '../errors';
import type { EndpointType } from './model';

export type QueueTarget =
  { kind: 'queue'; url: string; name: string } | { kind: 'queue'; url?: undefined; name: string; accountId: string };
export interface StreamTarget {
  kind: 'stream';
  name: string;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const STREAM_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
// arn:partition:service:region:account:resource
const ARN = /^arn:[a-z0-9-]+:([a-z0-9-]+):[a-z0-9-]*:(\d{12}):(.+)$/;

export function parseQueueTarget(target: string): QueueTarget {
  const arn = ARN.exec(target);
  if (arn) {
    const [, service, accountId, resource] = arn as unknown as [string, string, string, string];
    if (service !== 'sqs' || !QUEUE_NAME.test(resource)) throw new BadRequestError(`"${target}" is not an SQS queue ARN`);
    return { kind: 'queue', name: resource, accountId };
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new BadRequestError(`Target must be an SQS queue URL or ARN, got "${target}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BadRequestError(`Queue URL must be http(s), got "${target}"`);
  const name = url.pathname.split('/').filter(Boolean).pop() ?? '';
  if (!QUEUE_NAME.test(name)) throw new BadRequestError(`"${target}" does not end in a queue name`);
  return { kind: 'queue', url: target, name };
}

export function parseStreamTarget(target: string): StreamTarget {
  const arn = ARN.exec(target);
  if (arn) {
    const [, service, , resource] = arn as unknown as [string, string, string, string];
    const name = resource.startsWith('stream/') ? resource.slice('stream/'.length) : '';
    if (service !== 'kinesis' || !STREAM_NAME.test(name)) throw new BadRequestError(`"${target}" is not a Kinesis stream ARN`);
    return { kind: 'stream', name };
  }
  if (!STREAM_NAME.test(target)) throw new BadRequestError(`Target must be a Kinesis stream name or ARN, got "${target}"`);
  return { kind: 'stream', name: target };
}

/** Syntax check of a target for its endpoint type (reachability is checked by the adapter). */
export function parseTarget(type: EndpointType, target: string): QueueTarget | StreamTarget {
  if (type === 'kinesis') return parseStreamTarget(target);
  const queue = parseQueueTarget(target);
  const fifoName = queue.name.endsWith('.fifo');
  if (type === 'sqs-fifo' && !fifoName)
    throw new BadRequestError(`A sqs-fifo endpoint needs a FIFO queue (name ending in .fifo), got "${queue.name}"`);
  if (type === 'sqs' && fifoName) throw new BadRequestError(`"${queue.name}" is a FIFO queue: use --type sqs-fifo`);
  return queue;
}
