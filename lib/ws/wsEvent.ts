/** Reading API Gateway WebSocket events (the same shape under serverless offline). */
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';

export type WsEvent = APIGatewayProxyWebsocketEventV2 & {
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined> | null;
};

/** The management API endpoint for posting to this API's connections. */
export function managementEndpoint(event: WsEvent, configured: string): string {
  if (configured) return configured;
  const { domainName, stage } = event.requestContext;
  return `https://${domainName}/${stage}`;
}

/** The SAS token from the Authorization header, or the `authorization` query parameter. */
export function connectAuthorization(event: WsEvent): string | undefined {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === 'authorization' && v) return v;
  const q = event.queryStringParameters?.authorization;
  return q ?? undefined;
}
