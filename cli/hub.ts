/**
 * What every command needs to reach the hub, resolved and built in one place, once per run:
 * where the hub is (HubContext), its API clients, a device's connection string, the AWS clients
 * of the commands that read the stream, tables and queues directly, and how results are printed
 * (--json). main() closes it when the command ends.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DeviceClient, RoutingClient, ServiceClient } from '../client/clients';
import { deviceConnectionString } from '../lib/sas';
import type { DeviceIdentity } from './args';
import { HubContext, UsageError } from './context';

export interface AwsClients {
  kinesis: KinesisClient;
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
  lambda: LambdaClient;
}

export class Hub {
  readonly context = new HubContext();
  /** Set from the global --json option before a command runs. */
  json = false;
  /** A command that finished but must report failure (e.g. a redrive that left messages) sets 1. */
  exitCode = 0;
  private serviceClient: ServiceClient | undefined;
  private routingClient: RoutingClient | undefined;
  private awsClients: (AwsClients & { destroy(): void }) | undefined;

  service(): ServiceClient {
    this.serviceClient ??= new ServiceClient(this.context.httpUrl(), this.context.connectionString(), this.context.insecureTls());
    return this.serviceClient;
  }

  routing(): RoutingClient {
    this.routingClient ??= new RoutingClient(this.context.httpUrl(), this.context.connectionString(), this.context.insecureTls());
    return this.routingClient;
  }

  /** The device's connection string: given, or built from its key (read with the owner policy). */
  async deviceConnectionString(as: DeviceIdentity): Promise<string> {
    if (as.deviceConnectionString) return as.deviceConnectionString;
    if (!as.device) throw new UsageError('give --device <id> or --device-connection-string <cs>');
    const service = this.service();
    const device = await service.getDevice(as.device);
    return deviceConnectionString(service.hostName, as.device, device.authentication.symmetricKey.primaryKey);
  }

  async device(as: DeviceIdentity): Promise<DeviceClient> {
    return new DeviceClient(this.context.httpUrl(), await this.deviceConnectionString(as), this.context.insecureTls());
  }

  /** AWS clients pointed at the local emulators unless the environment says otherwise. */
  aws(): AwsClients {
    if (!this.awsClients) {
      this.context.applyAwsEnvironment();
      // HTTP/1.1: kinesalite rejects the Kinesis client's default HTTP/2.
      const requestHandler = new NodeHttpHandler();
      const kinesis = new KinesisClient({ requestHandler });
      const rawDynamo = new DynamoDBClient({ requestHandler });
      const sqs = new SQSClient({ requestHandler, useQueueUrlAsEndpoint: false });
      const lambda = new LambdaClient({ requestHandler });
      this.awsClients = {
        kinesis,
        dynamo: DynamoDBDocumentClient.from(rawDynamo, { marshallOptions: { removeUndefinedValues: true } }),
        sqs,
        lambda,
        destroy: () => {
          for (const client of [kinesis, rawDynamo, sqs, lambda]) client.destroy();
        },
      };
    }
    return this.awsClients;
  }

  /** A single result: with --json one compact JSON line, else the text (default: indented JSON). */
  result(value: unknown, text?: string): void {
    console.log(this.json ? JSON.stringify(value) : (text ?? JSON.stringify(value, null, 2)));
  }

  /** One item of a list or stream: always one line; JSON with --json, else the text (default JSON). */
  line(value: unknown, text?: string): void {
    console.log(this.json || text === undefined ? JSON.stringify(value) : text);
  }

  close(): void {
    this.awsClients?.destroy();
    this.awsClients = undefined;
  }
}
