/** devhub enrichment add|list|remove: properties stamped on the messages sent to an endpoint. */
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Hub } from '../hub';

export function enrichmentCommand(hub: Hub): CommandUnknownOpts {
  const enrichment = new Command('enrichment').description('add, list, remove message enrichments per endpoint');
  enrichment
    .command('add')
    .description(
      "add (or replace) an application property on that endpoint's copies; a missing twin path is stamped as the literal value (at most 10 per endpoint)",
    )
    .requiredOption('--endpoint <name>', 'the endpoint')
    .requiredOption('--key <k>', 'the property name')
    .requiredOption('--value <v>', 'a static value, $iothubname or $twin.tags.<path>')
    .action(async (opts) => hub.result(await hub.routing().putEnrichment(opts.endpoint, opts.key, opts.value)));
  enrichment
    .command('list')
    .description('list enrichments, one JSON object per line')
    .option('--endpoint <name>', "only this endpoint's")
    .action(async (opts) => {
      for (const e of await hub.routing().listEnrichments(opts.endpoint)) hub.line(e);
    });
  enrichment
    .command('remove')
    .description('remove an enrichment')
    .requiredOption('--endpoint <name>', 'the endpoint')
    .requiredOption('--key <k>', 'the property name')
    .action(async (opts) => {
      await hub.routing().deleteEnrichment(opts.endpoint, opts.key);
      hub.result({ endpoint: opts.endpoint, key: opts.key, removed: true }, `removed enrichment ${opts.key} of ${opts.endpoint}`);
    });
  return enrichment;
}
