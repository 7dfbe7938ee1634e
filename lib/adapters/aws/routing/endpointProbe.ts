/**
 * Checks, when an endpoint is saved, that its target exists and is of the declared kind, and
 * resolves the address the router will use (queue URL, stream name).
 */
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BadRequestError } from '../../../errors';
import type { ProbeTarget } from '../../../routing/routingService';
import { parseTarget } from '../../../routing/targets';

function unreachable(target: string, err: unknown): BadRequestError {
  const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new BadRequestError(`Endpoint target ${target} is not reachable (${why.slice(0, 300)})`, 'EndpointUnreachable');
}

export function endpointProbe(clients: { sqs: SQSClient; kinesis: KinesisClient }): ProbeTarget {
  return async (type, target) => {
    const parsed = parseTarget(type, target);
    if (parsed.kind === 'stream') {
      try {
        const out = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: parsed.name }));
        const status = out.StreamDescriptionSummary?.StreamStatus;
        if (status !== 'ACTIVE' && status !== 'UPDATING') throw new Error(`stream is ${status ?? 'in an unknown state'}`);
      } catch (err) {
        throw unreachable(target, err);
      }
      return parsed.name;
    }
    let url: string;
    let fifo: boolean;
    try {
      url =
        parsed.url ??
        (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: parsed.name, QueueOwnerAWSAccountId: parsed.accountId }))).QueueUrl ??
        '';
      const attrs = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['FifoQueue', 'QueueArn'] }));
      fifo = attrs.Attributes?.FifoQueue === 'true';
    } catch (err) {
      throw unreachable(target, err);
    }
    if (fifo !== (type === 'sqs-fifo')) {
      throw new BadRequestError(`Queue ${parsed.name} is ${fifo ? '' : 'not '}a FIFO queue; use --type ${fifo ? 'sqs-fifo' : 'sqs'}`);
    }
    return url;
  };
}
