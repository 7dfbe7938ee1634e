/** devhub route add|list|show|remove|enable|disable|fallback|test: message routes. */
import { readFileSync } from 'node:fs';
import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { ApiError, conditionPosition } from '../../client/clients';
import { ROUTE_SOURCES } from '../../lib/routing/model';
import { json } from '../args';
import { UsageError } from '../context';
import type { Hub } from '../hub';

/** Exit status for a condition that does not parse (the CLI's usage-error status). */
export class ConditionError extends UsageError {}

export function routeCommand(hub: Hub): CommandUnknownOpts {
  const route = new Command('route').description('add, list, show, remove, enable, disable, test routes; the fallback route');
  route
    .command('add')
    .description('create or replace a route')
    .argument('<name>')
    .addOption(new Option('--source <source>', 'the messages it routes').choices(ROUTE_SOURCES).default('DeviceMessages'))
    .option('--condition <expr>', 'the routing query (docs/routing.md)', 'true')
    .requiredOption('--endpoint <name>', 'where matching messages go')
    .option('--disabled', 'create it disabled')
    .action(async (name, opts) => {
      const created = await withConditionErrors(() =>
        hub.routing().putRoute(name, { source: opts.source, condition: opts.condition, endpoint: opts.endpoint, enabled: !opts.disabled }),
      );
      hub.result(created);
    });
  route
    .command('list')
    .description('list routes, one JSON object per line')
    .action(async () => {
      for (const r of await hub.routing().listRoutes()) hub.line(r);
    });
  route
    .command('show')
    .description('print one route')
    .argument('<name>')
    .action(async (name) => hub.result(await hub.routing().getRoute(name)));
  route
    .command('remove')
    .description('delete a route')
    .argument('<name>')
    .action(async (name) => {
      await hub.routing().deleteRoute(name);
      hub.result({ route: name, removed: true }, `removed route ${name}`);
    });
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    route
      .command(name)
      .description(`${name} a route`)
      .argument('<name>')
      .action(async (routeName) => hub.result(await hub.routing().setRouteEnabled(routeName, enabled)));
  }
  route
    .command('fallback')
    .description('send device messages that match no route to <endpoint>, or stop (--off)')
    .argument('[endpoint]')
    .option('--off', 'remove the fallback route')
    .action(async (endpoint, opts) => {
      if (opts.off) {
        if (endpoint !== undefined) throw new UsageError('give an endpoint or --off, not both');
        await hub.routing().deleteFallback();
        hub.result({ fallback: null }, 'fallback route removed');
        return;
      }
      if (endpoint === undefined) throw new UsageError('missing endpoint name (or --off)');
      hub.result(await hub.routing().setFallback(endpoint));
    });
  route
    .command('test')
    .description('evaluate a condition or a route against a message without sending: prints true or false')
    .requiredOption('--message <file.json>', 'an envelope as the built-in stream holds it (docs/routing.md)')
    .addOption(new Option('--condition <expr>', 'the condition to test').conflicts('route'))
    .option('--route <name>', 'the route whose condition to test')
    .option('--tags <json>', "the device twin's tags for $twin (default: the device's registry tags)", json('\'{"site":"oslo"}\''))
    .addHelpText('after', '\nExit 0 with true or false; exit 2 with the syntax error and its position.')
    .action(async (opts) => {
      if (opts.condition === undefined && opts.route === undefined) throw new UsageError('give one of --condition and --route');
      const message = readJson(opts.message, 'message file');
      const twinTags = opts.tags as Record<string, unknown> | undefined;
      const out = await withConditionErrors(() =>
        hub.routing().testRoute({
          ...(opts.condition !== undefined ? { condition: opts.condition } : { route: opts.route }),
          message,
          ...(twinTags ? { twinTags } : {}),
        }),
      );
      hub.result(out, out.result ? 'true' : 'false');
    });
  return route;
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
