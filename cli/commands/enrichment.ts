/** devhub enrichment add|list|remove: properties stamped on the messages sent to an endpoint. */
import { parse, str } from '../args';
import { UsageError, type HubContext } from '../context';
import { routingClient } from './endpoint';

const usage = `Usage: devhub enrichment <command> [options]

Commands:
  add --endpoint <name> --key <k> --value <static | $iothubname | $twin.tags.path>
                         add (or replace) an application property on that endpoint's copies;
                         a missing twin path is stamped as the literal value (at most 10 per endpoint)
  list [--endpoint <name>]
  remove --endpoint <name> --key <k>`;

export async function enrichmentCommand(argv: string[], ctx: HubContext): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(usage);
    if (sub === undefined) throw new UsageError('missing enrichment command');
    return;
  }
  const p = parse(rest, { endpoint: { type: 'string' }, key: { type: 'string' }, value: { type: 'string' } }, usage);
  if (!p) return;
  const client = routingClient(ctx);
  const need = (name: string): string => {
    const v = str(p, name);
    if (v === undefined) throw new UsageError(`missing --${name}\n\n${usage}`);
    return v;
  };
  switch (sub) {
    case 'add':
      console.log(JSON.stringify(await client.putEnrichment(need('endpoint'), need('key'), need('value')), null, 2));
      return;
    case 'list':
      for (const e of await client.listEnrichments(str(p, 'endpoint'))) console.log(JSON.stringify(e));
      return;
    case 'remove': {
      const endpoint = need('endpoint');
      const key = need('key');
      await client.deleteEnrichment(endpoint, key);
      console.log(`removed enrichment ${key} of ${endpoint}`);
      return;
    }
    default:
      throw new UsageError(`unknown enrichment command "${sub}"\n\n${usage}`);
  }
}
