/** devhub device create|show|list|delete|enable|disable|connection-string */
import { ServiceClient } from '../../client/clients';
import type { Device } from '../../lib/registry/device';
import { deviceConnectionString } from '../../lib/sas';
import { flag, intOption, parse, positional, str } from '../args';
import { UsageError, type HubContext } from '../context';

const usage = `Usage: devhub device <command> [options]

Commands:
  create <id> [--tags '<json>'] [--primary-key k --secondary-key k] [--disabled]
                         create a device; prints it and its connection string
  show <id> [--show-keys] print a device (keys hidden unless --show-keys)
  list [--top n] [--all] list devices (one JSON object per line)
  delete <id>            delete a device (and its pending commands)
  enable <id>            let the device connect again
  disable <id> [--reason text]
                         refuse the device's requests (within the key cache bound)
  connection-string <id> print the device's connection string`;

export function serviceClient(ctx: HubContext): ServiceClient {
  return new ServiceClient(ctx.httpUrl(), ctx.connectionString(), ctx.insecureTls());
}

function redact(device: Device): Device {
  return { ...device, authentication: { type: 'sas', symmetricKey: { primaryKey: '<hidden>', secondaryKey: '<hidden>' } } };
}

export async function deviceCommand(argv: string[], ctx: HubContext): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(usage);
    if (sub === undefined) throw new UsageError('missing device command');
    return;
  }
  const p = parse(
    rest,
    {
      tags: { type: 'string' },
      'primary-key': { type: 'string' },
      'secondary-key': { type: 'string' },
      disabled: { type: 'boolean' },
      'show-keys': { type: 'boolean' },
      top: { type: 'string' },
      all: { type: 'boolean' },
      reason: { type: 'string' },
    },
    usage,
  );
  if (!p) return;
  const client = serviceClient(ctx);
  switch (sub) {
    case 'create': {
      const id = positional(p, 0, 'device id', usage);
      const body: Record<string, unknown> = {};
      const tags = str(p, 'tags');
      if (tags !== undefined) {
        try {
          body.tags = JSON.parse(tags);
        } catch {
          throw new UsageError('--tags must be JSON, e.g. --tags \'{"site":"oslo"}\'');
        }
      }
      const primaryKey = str(p, 'primary-key');
      const secondaryKey = str(p, 'secondary-key');
      if (primaryKey || secondaryKey) body.authentication = { symmetricKey: { primaryKey, secondaryKey } };
      if (flag(p, 'disabled')) body.status = 'disabled';
      const device = await client.createDevice(id, body);
      console.log(
        JSON.stringify(
          { device, connectionString: deviceConnectionString(client.hostName, id, device.authentication.symmetricKey.primaryKey) },
          null,
          2,
        ),
      );
      return;
    }
    case 'show': {
      const device = await client.getDevice(positional(p, 0, 'device id', usage));
      console.log(JSON.stringify(flag(p, 'show-keys') ? device : redact(device), null, 2));
      return;
    }
    case 'list': {
      const top = intOption(p, 'top', 1, 1000) ?? 100;
      let continuation: string | undefined;
      do {
        const page = await client.listDevices(top, continuation);
        for (const d of page.devices) console.log(JSON.stringify(redact(d)));
        continuation = flag(p, 'all') ? page.continuation : undefined;
      } while (continuation);
      return;
    }
    case 'delete':
      await client.deleteDevice(positional(p, 0, 'device id', usage));
      console.log(`deleted ${p.positionals[0]}`);
      return;
    case 'enable':
    case 'disable': {
      const device = await client.getDevice(positional(p, 0, 'device id', usage));
      const updated = await client.updateDevice(device, {
        status: sub === 'enable' ? 'enabled' : 'disabled',
        statusReason: str(p, 'reason') ?? null,
      });
      console.log(JSON.stringify(redact(updated), null, 2));
      return;
    }
    case 'connection-string': {
      const id = positional(p, 0, 'device id', usage);
      const device = await client.getDevice(id);
      console.log(deviceConnectionString(client.hostName, id, device.authentication.symmetricKey.primaryKey));
      return;
    }
    default:
      throw new UsageError(`unknown device command "${sub}"\n\n${usage}`);
  }
}
