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
import { deviceConnectionString, parseConnectionString } from '../lib/sas';
import type { DeviceIdentity } from './args';
import { HubContext, UsageError } from './context';

export interface AwsClients {
  kinesis: KinesisClient;
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
  lambda: LambdaClient;
}

/** Where devices connect: the host their connection strings and tokens name, and the URL they send to. */
export interface DeviceFrontDoor {
  hostName: string;
  url: string;
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
  private frontDoor: Promise<DeviceFrontDoor> | undefined;

  service(): ServiceClient {
    this.serviceClient ??= new ServiceClient(this.context.httpUrl(), this.context.connectionString(), this.context.insecureTls());
    return this.serviceClient;
  }

  routing(): RoutingClient {
    this.routingClient ??= new RoutingClient(this.context.httpUrl(), this.context.connectionString(), this.context.insecureTls());
    return this.routingClient;
  }

  /**
   * The device front door the hub publishes (`deviceHostName` of GET /auth/policy): the host device
   * connection strings name, and the URL devices send to. A deployed hub's default front door is
   * the device function's URL, not the service API's host; only when the hub names the service host
   * (devices on the HTTP API) or names none (an older hub) is the service API's URL used.
   */
  deviceFrontDoor(): Promise<DeviceFrontDoor> {
    this.frontDoor ??= this.service()
      .hubInfo()
      .then((info) => {
        const hostName = info.deviceHostName || this.service().hostName;
        const sameHost = hostName === info.hostName || hostName === this.service().hostName;
        return { hostName, url: this.context.deviceUrl() ?? (sameHost ? this.context.httpUrl() : `https://${hostName}`) };
      });
    return this.frontDoor;
  }

  /** A new device's connection string, naming the device front door's host. */
  async connectionStringFor(deviceId: string, key: string): Promise<string> {
    return deviceConnectionString((await this.deviceFrontDoor()).hostName, deviceId, key);
  }

  /** The device's connection string: given, or built from its key (read with the owner policy). */
  async deviceConnectionString(as: DeviceIdentity): Promise<string> {
    if (as.deviceConnectionString) return as.deviceConnectionString;
    if (!as.device) throw new UsageError('give --device <id> or --device-connection-string <cs>');
    const device = await this.service().getDevice(as.device);
    return this.connectionStringFor(as.device, device.authentication.symmetricKey.primaryKey);
  }

  /**
   * The device's HTTPS client, at the device front door. With no service connection string to ask
   * the hub, a device connects where its connection string's HostName says, as IoT Hub devices do.
   */
  async device(as: DeviceIdentity): Promise<DeviceClient> {
    const cs = await this.deviceConnectionString(as);
    const url =
      this.context.deviceUrl() ??
      (this.context.hasConnectionString()
        ? (await this.deviceFrontDoor()).url
        : this.context.urlOfHost(parseConnectionString(cs).hostName));
    return new DeviceClient(url, cs, this.context.insecureTls());
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
