/**
 * Posts frames to WebSocket connections through API Gateway's management API. One client per
 * endpoint, built on first use and kept for the container's life.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { metrics } from '../../metrics';
import { traced } from '../../tracing';
import { ConnectionGoneError, type FrameSink } from '../../ws/ports';

export class SocketPusher implements FrameSink {
  private readonly clients = new Map<string, ApiGatewayManagementApiClient>();
  private readonly handler = new NodeHttpHandler({
    httpAgent: new Agent({ keepAlive: true }),
    httpsAgent: new HttpsAgent({ keepAlive: true }),
    requestTimeout: 5000,
  });

  private client(endpoint: string): ApiGatewayManagementApiClient {
    let client = this.clients.get(endpoint);
    if (!client) {
      client = traced(new ApiGatewayManagementApiClient({ endpoint, requestHandler: this.handler, maxAttempts: 2 }));
      this.clients.set(endpoint, client);
    }
    return client;
  }

  /** Sends one JSON frame; throws ConnectionGoneError when the socket no longer exists. */
  async post(endpoint: string, connectionId: string, frame: unknown): Promise<void> {
    try {
      await this.client(endpoint).send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(frame)) }),
      );
    } catch (err) {
      metrics.add('WsPushFailures', 1);
      if (err instanceof GoneException || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410) {
        throw new ConnectionGoneError(connectionId);
      }
      throw err;
    }
  }

  /** Closes a connection (a newer one replaced it). Already-gone connections are fine. */
  async close(endpoint: string, connectionId: string): Promise<void> {
    try {
      await this.client(endpoint).send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (err) {
      if (err instanceof GoneException || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410) return;
      throw err;
    }
  }
}
