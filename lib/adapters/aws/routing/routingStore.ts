/**
 * The routing configuration in DynamoDB: one table, partition key `kind` (endpoint, route,
 * fallback, enrichment, health), sort key `name`. Small by construction (limits in model.ts),
 * so the router reads it whole with one paginated Scan.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Endpoint, EndpointHealth, Enrichment, FallbackRoute, Route, RoutingConfig } from '../../../routing/model';
import type { RoutingConfigStore } from '../../../routing/routingService';

type Kind = 'endpoint' | 'route' | 'fallback' | 'enrichment' | 'health';
type Item = Record<string, unknown> & { kind: Kind; name: string };

const FALLBACK_NAME = '$fallback';
export const enrichmentName = (endpoint: string, key: string) => `${endpoint}/${key}`;

function strip<T>(item: Record<string, unknown>): T {
  const { kind: _kind, ...rest } = item;
  return rest as T;
}

export class RoutingStore implements RoutingConfigStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Everything, for the router's cache. */
  async loadAll(): Promise<{ config: RoutingConfig; health: EndpointHealth[] }> {
    const config: RoutingConfig = { endpoints: [], routes: [], enrichments: [] };
    const health: EndpointHealth[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(
        new ScanCommand({ TableName: this.table, ConsistentRead: true, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      for (const raw of out.Items ?? []) {
        const item = raw as Item;
        if (item.kind === 'endpoint') config.endpoints.push(strip<Endpoint>(item));
        else if (item.kind === 'route') config.routes.push(strip<Route>(item));
        else if (item.kind === 'enrichment') config.enrichments.push(this.enrichment(item));
        else if (item.kind === 'fallback') config.fallback = this.fallback(item);
        else if (item.kind === 'health') health.push(this.health(item));
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return { config, health };
  }

  private async list(kind: Kind, prefix?: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: prefix ? '#k = :k AND begins_with(#n, :p)' : '#k = :k',
          ExpressionAttributeNames: prefix ? { '#k': 'kind', '#n': 'name' } : { '#k': 'kind' },
          ExpressionAttributeValues: prefix ? { ':k': kind, ':p': prefix } : { ':k': kind },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...((out.Items ?? []) as Item[]));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async get(kind: Kind, name: string): Promise<Item | undefined> {
    const out = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: { kind, name }, ConsistentRead: true }));
    return out.Item as Item | undefined;
  }

  private async put(kind: Kind, item: Record<string, unknown> & { name: string }): Promise<void> {
    await this.dynamo.send(new PutCommand({ TableName: this.table, Item: { ...item, kind } }));
  }

  private async remove(kind: Kind, name: string): Promise<boolean> {
    const out = await this.dynamo.send(new DeleteCommand({ TableName: this.table, Key: { kind, name }, ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }

  private enrichment(item: Item): Enrichment {
    const { endpoint, key, value, updatedTime } = item as unknown as Enrichment;
    return { endpoint, key, value, updatedTime };
  }

  private fallback(item: Item): FallbackRoute {
    const { endpoint, enabled, updatedTime } = item as unknown as FallbackRoute;
    return { endpoint, enabled, updatedTime };
  }

  private health(item: Item): EndpointHealth {
    const { name, ...rest } = strip<EndpointHealth & { name: string }>(item);
    return { ...rest, endpoint: name };
  }

  listEndpoints = async (): Promise<Endpoint[]> => (await this.list('endpoint')).map((i) => strip<Endpoint>(i));
  getEndpoint = async (name: string): Promise<Endpoint | undefined> => {
    const item = await this.get('endpoint', name);
    return item ? strip<Endpoint>(item) : undefined;
  };
  putEndpoint = (e: Endpoint): Promise<void> => this.put('endpoint', { ...e });
  deleteEndpoint = (name: string): Promise<boolean> => this.remove('endpoint', name);

  listRoutes = async (): Promise<Route[]> => (await this.list('route')).map((i) => strip<Route>(i));
  getRoute = async (name: string): Promise<Route | undefined> => {
    const item = await this.get('route', name);
    return item ? strip<Route>(item) : undefined;
  };
  putRoute = (r: Route): Promise<void> => this.put('route', { ...r });
  deleteRoute = (name: string): Promise<boolean> => this.remove('route', name);

  getFallback = async (): Promise<FallbackRoute | undefined> => {
    const item = await this.get('fallback', FALLBACK_NAME);
    return item ? this.fallback(item) : undefined;
  };
  putFallback = (f: FallbackRoute): Promise<void> => this.put('fallback', { name: FALLBACK_NAME, ...f });
  deleteFallback = (): Promise<boolean> => this.remove('fallback', FALLBACK_NAME);

  listEnrichments = async (endpoint?: string): Promise<Enrichment[]> =>
    (await this.list('enrichment', endpoint === undefined ? undefined : `${endpoint}/`)).map((i) => this.enrichment(i));
  putEnrichment = (e: Enrichment): Promise<void> => this.put('enrichment', { name: enrichmentName(e.endpoint, e.key), ...e });
  deleteEnrichment = (endpoint: string, key: string): Promise<boolean> => this.remove('enrichment', enrichmentName(endpoint, key));

  listHealth = async (): Promise<EndpointHealth[]> => (await this.list('health')).map((i) => this.health(i));
  getHealth = async (endpoint: string): Promise<EndpointHealth | undefined> => {
    const item = await this.get('health', endpoint);
    return item ? this.health(item) : undefined;
  };
  putHealth = (h: EndpointHealth): Promise<void> => {
    const { endpoint, ...rest } = h;
    return this.put('health', { name: endpoint, ...rest });
  };
  deleteHealth = (endpoint: string): Promise<boolean> => this.remove('health', endpoint);
}
