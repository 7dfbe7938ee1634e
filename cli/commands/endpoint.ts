/** devhub endpoint add|list|show|remove|health: custom routing endpoints. */
import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { ENDPOINT_TYPES } from '../../lib/routing/model';
import type { Hub } from '../hub';

export function endpointCommand(hub: Hub): CommandUnknownOpts {
  const endpoint = new Command('endpoint').description('add, list, show, remove custom routing endpoints; endpoint health');
  endpoint
    .command('add')
    .description('create or replace a custom endpoint (the target must exist)')
    .argument('<name>')
    .addOption(new Option('--type <type>', 'the kind of target').choices(ENDPOINT_TYPES).makeOptionMandatory())
    .requiredOption('--target <target>', 'queue URL or ARN | stream name or ARN')
    .action(async (name, opts) => hub.result(await hub.routing().putEndpoint(name, { type: opts.type, target: opts.target })));
  endpoint
    .command('list')
    .description('list custom endpoints, one JSON object per line')
    .action(async () => {
      for (const e of await hub.routing().listEndpoints()) hub.line(e);
    });
  endpoint
    .command('show')
    .description('print one endpoint')
    .argument('<name>')
    .action(async (name) => hub.result(await hub.routing().getEndpoint(name)));
  endpoint
    .command('remove')
    .description('delete an endpoint (refused while a route uses it)')
    .argument('<name>')
    .action(async (name) => {
      await hub.routing().deleteEndpoint(name);
      hub.result({ endpoint: name, removed: true }, `removed endpoint ${name}`);
    });
  endpoint
    .command('health')
    .description('print endpoint health: unknown, healthy, degraded, unhealthy, dead (one line each)')
    .argument('[name]', 'one endpoint (default: every endpoint)')
    .action(async (name) => {
      const client = hub.routing();
      const list = name === undefined ? await client.allEndpointHealth() : [await client.endpointHealth(name)];
      for (const h of list) {
        const detail = [
          `since ${h.since}`,
          h.lastError ? `last error: ${h.lastError}` : '',
          h.lastSuccessTime ? `last success ${h.lastSuccessTime}` : '',
        ]
          .filter(Boolean)
          .join('; ');
        hub.line(h, `${h.endpoint}\t${h.status}\t${detail}`);
      }
    });
  return endpoint;
}
