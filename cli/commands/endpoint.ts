/** devhub endpoint add|list|show|remove|health: custom routing endpoints. */
import { RoutingClient } from '../../client/clients';
import { ENDPOINT_TYPES, type EndpointType } from '../../lib/routing/model';
import { parse, positional, str } from '../args';
import { UsageError, type HubContext } from '../context';

const usage = `Usage: devhub endpoint <command> [options]

Commands:
  add <name> --type sqs|sqs-fifo|kinesis --target <queue URL or ARN | stream name or ARN>
                         create or replace a custom endpoint (the target must exist)
  list                   list custom endpoints (one JSON object per line)
  show <name>            print one endpoint
  remove <name>          delete an endpoint (refused while a route uses it)
  health [<name>]        print endpoint health: unknown, healthy, degraded, unhealthy, dead`;

export function routingClient(ctx: HubContext): RoutingClient {
  return new RoutingClient(ctx.httpUrl(), ctx.connectionString(), ctx.insecureTls());
}

export async function endpointCommand(argv: string[], ctx: HubContext): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(usage);
    if (sub === undefined) throw new UsageError('missing endpoint command');
    return;
  }
  const p = parse(rest, { type: { type: 'string' }, target: { type: 'string' } }, usage);
  if (!p) return;
  const client = routingClient(ctx);
  switch (sub) {
    case 'add': {
      const name = positional(p, 0, 'endpoint name', usage);
      const type = str(p, 'type');
      const target = str(p, 'target');
      if (!type || !(ENDPOINT_TYPES as readonly string[]).includes(type))
        throw new UsageError(`--type must be one of ${ENDPOINT_TYPES.join(', ')}\n\n${usage}`);
      if (!target) throw new UsageError(`missing --target\n\n${usage}`);
      console.log(JSON.stringify(await client.putEndpoint(name, { type: type as EndpointType, target }), null, 2));
      return;
    }
    case 'list':
      for (const e of await client.listEndpoints()) console.log(JSON.stringify(e));
      return;
    case 'show':
      console.log(JSON.stringify(await client.getEndpoint(positional(p, 0, 'endpoint name', usage)), null, 2));
      return;
    case 'remove': {
      const name = positional(p, 0, 'endpoint name', usage);
      await client.deleteEndpoint(name);
      console.log(`removed endpoint ${name}`);
      return;
    }
    case 'health': {
      const name = p.positionals[0];
      const list = name === undefined ? await client.allEndpointHealth() : [await client.endpointHealth(name)];
      for (const h of list) {
        const detail = [
          `since ${h.since}`,
          h.lastError ? `last error: ${h.lastError}` : '',
          h.lastSuccessTime ? `last success ${h.lastSuccessTime}` : '',
        ]
          .filter(Boolean)
          .join('; ');
        console.log(`${h.endpoint}\t${h.status}\t${detail}`);
      }
      return;
    }
    default:
      throw new UsageError(`unknown endpoint command "${sub}"\n\n${usage}`);
  }
}
