/** devhub route add|list|show|remove|enable|disable|fallback|test: message routes. */
import { readFileSync } from 'node:fs';
import { ApiError, conditionPosition } from '../../client/clients';
import { ROUTE_SOURCES, type RouteSource } from '../../lib/routing/model';
import { flag, parse, positional, str } from '../args';
import { UsageError, type HubContext } from '../context';
import { routingClient } from './endpoint';

const usage = `Usage: devhub route <command> [options]

Commands:
  add <name> --source DeviceMessages|DeviceLifecycleEvents|DeviceConnectionStateEvents
             --condition "<expr>" --endpoint <name> [--disabled]
                         create or replace a route (condition default: true)
  list                   list routes (one JSON object per line)
  show <name>            print one route
  remove <name>          delete a route
  enable <name>, disable <name>
  fallback <endpoint> | fallback --off
                         send device messages that match no route to <endpoint>, or stop
  test --condition "<expr>" --message <file.json> [--tags '<json>']
  test --route <name> --message <file.json> [--tags '<json>']
                         evaluate without sending: prints true or false (exit 0), or the
                         syntax error with its position (exit 2). The file holds an envelope
                         as the built-in stream does (docs/routing.md); without --tags the
                         device's registry tags are used for $twin.`;

/** Exit status for a condition that does not parse (the CLI's usage-error status). */
export class ConditionError extends UsageError {}

export async function routeCommand(argv: string[], ctx: HubContext): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(usage);
    if (sub === undefined) throw new UsageError('missing route command');
    return;
  }
  const p = parse(
    rest,
    {
      source: { type: 'string' },
      condition: { type: 'string' },
      endpoint: { type: 'string' },
      disabled: { type: 'boolean' },
      off: { type: 'boolean' },
      message: { type: 'string' },
      route: { type: 'string' },
      tags: { type: 'string' },
    },
    usage,
  );
  if (!p) return;
  const client = routingClient(ctx);
  switch (sub) {
    case 'add': {
      const name = positional(p, 0, 'route name', usage);
      const source = str(p, 'source') ?? 'DeviceMessages';
      if (!(ROUTE_SOURCES as readonly string[]).includes(source))
        throw new UsageError(`--source must be one of ${ROUTE_SOURCES.join(', ')}`);
      const endpoint = str(p, 'endpoint');
      if (!endpoint) throw new UsageError(`missing --endpoint\n\n${usage}`);
      const route = await withConditionErrors(() =>
        client.putRoute(name, {
          source: source as RouteSource,
          condition: str(p, 'condition') ?? 'true',
          endpoint,
          enabled: !flag(p, 'disabled'),
        }),
      );
      console.log(JSON.stringify(route, null, 2));
      return;
    }
    case 'list':
      for (const r of await client.listRoutes()) console.log(JSON.stringify(r));
      return;
    case 'show':
      console.log(JSON.stringify(await client.getRoute(positional(p, 0, 'route name', usage)), null, 2));
      return;
    case 'remove': {
      const name = positional(p, 0, 'route name', usage);
      await client.deleteRoute(name);
      console.log(`removed route ${name}`);
      return;
    }
    case 'enable':
    case 'disable':
      console.log(JSON.stringify(await client.setRouteEnabled(positional(p, 0, 'route name', usage), sub === 'enable'), null, 2));
      return;
    case 'fallback': {
      if (flag(p, 'off')) {
        await client.deleteFallback();
        console.log('fallback route removed');
        return;
      }
      console.log(JSON.stringify(await client.setFallback(positional(p, 0, 'endpoint name (or --off)', usage)), null, 2));
      return;
    }
    case 'test': {
      const file = str(p, 'message');
      if (!file) throw new UsageError(`missing --message <file.json>\n\n${usage}`);
      const condition = str(p, 'condition');
      const route = str(p, 'route');
      if ((condition === undefined) === (route === undefined))
        throw new UsageError(`give exactly one of --condition and --route\n\n${usage}`);
      const message = readJson(file, 'message file');
      const tagsText = str(p, 'tags');
      const twinTags = tagsText === undefined ? undefined : (parseJson(tagsText, '--tags') as Record<string, unknown>);
      const out = await withConditionErrors(() =>
        client.testRoute({ ...(condition !== undefined ? { condition } : { route }), message, ...(twinTags ? { twinTags } : {}) }),
      );
      console.log(out.result ? 'true' : 'false');
      return;
    }
    default:
      throw new UsageError(`unknown route command "${sub}"\n\n${usage}`);
  }
}

/** A 400 for a condition becomes exit status 2 with the position and reason. */
async function withConditionErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiError && err.status === 400 && conditionPosition(err) !== undefined) {
      const body = err.response.json<{ Message?: string }>();
      throw new ConditionError(`invalid condition: ${(body.Message ?? err.message).replace(/^ErrorCode:[^;]*;/, '')}`);
    }
    throw err;
  }
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseJson(text, `${what} ${file}`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not valid JSON`);
  }
}
