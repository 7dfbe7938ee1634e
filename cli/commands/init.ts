/** devhub init: create the built-in shared access policies in a deployed hub (AWS credentials). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { DeviceKeySeedStore } from '../../lib/adapters/aws/deviceKeySeed';
import { ensureBuiltInPolicies, PolicyStore } from '../../lib/adapters/aws/policyStore';
import { serviceConnectionString } from '../../lib/sas';
import type { Hub } from '../hub';

export function initCommand(hub: Hub): CommandUnknownOpts {
  return new Command('init')
    .description('create the access policies of a deployed hub (AWS credentials)')
    .requiredOption('--stage <stage>', "the deployed stage (serverless deploy's --stage)")
    .requiredOption('--hostname <host>', "the hub's host name: the HTTP API domain or your custom domain")
    .option('--service <name>', 'the serverless service name', 'devhub')
    .option('--out <file>', 'write the iothubowner connection string there (mode 600) instead of printing it')
    .addHelpText(
      'after',
      `
After 'serverless deploy': creates the shared access policies (iothubowner, service,
registryRead, registryReadWrite) with random keys in the stage's policies table, and the
hub's device-key seed in its devices table, using your AWS credentials and region
(AWS_PROFILE / AWS_REGION). Existing policies and the seed are kept.`,
    )
    .action(async (opts) => {
      const table = `${opts.service}-${opts.stage}-policies`;
      // The deployed hub's table, with the caller's own AWS configuration (not the local emulators').
      const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
      try {
        const policies = await ensureBuiltInPolicies(new PolicyStore(dynamo, table), () => randomBytes(32).toString('base64'));
        // Derived device keys (README "Security"); the registry would create it with its first device otherwise.
        await new DeviceKeySeedStore(dynamo, `${opts.service}-${opts.stage}-devices`).ensure();
        const owner = policies.find((x) => x.name === 'iothubowner');
        if (!owner) throw new Error('iothubowner policy missing');
        const cs = serviceConnectionString(opts.hostname, owner.name, owner.primaryKey);
        if (opts.out) {
          writeFileSync(opts.out, `${cs}\n`, { mode: 0o600 });
          hub.result(
            { table, policies: policies.map((p) => p.name), out: opts.out },
            `policies ready in ${table}; iothubowner connection string written to ${opts.out}`,
          );
        } else {
          hub.result({ table, policies: policies.map((p) => p.name), connectionString: cs }, cs);
        }
      } finally {
        dynamo.destroy();
      }
    });
}
