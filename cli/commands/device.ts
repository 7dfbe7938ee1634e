/** devhub device create|show|list|delete|enable|disable|connection-string */
import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Device } from '../../lib/registry/device';
import { intIn, json } from '../args';
import type { Hub } from '../hub';

function redact(device: Device): Device {
  return { ...device, authentication: { type: 'sas', symmetricKey: { primaryKey: '<hidden>', secondaryKey: '<hidden>' } } };
}

export function deviceCommand(hub: Hub): CommandUnknownOpts {
  const device = new Command('device').description('create, show, list, delete, enable, disable devices; connection strings');

  device
    .command('create')
    .description('create a device; prints it and its connection string')
    .argument('<device-id>')
    .option('--tags <json>', 'the device\'s tags, e.g. \'{"site":"oslo"}\'', json('\'{"site":"oslo"}\''))
    .option('--primary-key <key>', 'its primary key (base64; default: random)')
    .option('--secondary-key <key>', 'its secondary key (base64; default: random)')
    .option('--disabled', 'create it disabled')
    .action(async (id, opts) => {
      const body: Record<string, unknown> = {};
      if (opts.tags !== undefined) body.tags = opts.tags;
      if (opts.primaryKey || opts.secondaryKey)
        body.authentication = { symmetricKey: { primaryKey: opts.primaryKey, secondaryKey: opts.secondaryKey } };
      if (opts.disabled) body.status = 'disabled';
      const service = hub.service();
      const created = await service.createDevice(id, body);
      const connectionString = await hub.connectionStringFor(id, created.authentication.symmetricKey.primaryKey);
      hub.result({ device: created, connectionString });
    });

  device
    .command('show')
    .description('print a device (keys hidden unless --show-keys)')
    .argument('<device-id>')
    .option('--show-keys', 'include its keys')
    .action(async (id, opts) => {
      const found = await hub.service().getDevice(id);
      hub.result(opts.showKeys ? found : redact(found));
    });

  device
    .command('list')
    .description('list devices, one JSON object per line (keys hidden)')
    .addOption(new Option('--top <n>', 'devices per page').argParser(intIn(1, 1000)).default(100))
    .option('--all', 'every page, not only the first')
    .action(async (opts) => {
      let continuation: string | undefined;
      do {
        const page = await hub.service().listDevices(opts.top, continuation);
        for (const d of page.devices) hub.line(redact(d));
        continuation = opts.all ? page.continuation : undefined;
      } while (continuation);
    });

  device
    .command('delete')
    .description('delete a device (and its pending commands)')
    .argument('<device-id>')
    .action(async (id) => {
      await hub.service().deleteDevice(id);
      hub.result({ deviceId: id, deleted: true }, `deleted ${id}`);
    });

  const setStatus = async (id: string, status: 'enabled' | 'disabled', reason: string | undefined) => {
    const service = hub.service();
    const updated = await service.updateDevice(await service.getDevice(id), { status, statusReason: reason ?? null });
    hub.result(redact(updated));
  };
  device
    .command('enable')
    .description('let the device connect again')
    .argument('<device-id>')
    .action((id) => setStatus(id, 'enabled', undefined));
  device
    .command('disable')
    .description("refuse the device's requests (within the key cache bound)")
    .argument('<device-id>')
    .option('--reason <text>', 'why (its statusReason)')
    .action((id, opts) => setStatus(id, 'disabled', opts.reason));

  device
    .command('connection-string')
    .description("print the device's connection string")
    .argument('<device-id>')
    .action(async (id) => {
      const found = await hub.service().getDevice(id);
      const connectionString = await hub.connectionStringFor(id, found.authentication.symmetricKey.primaryKey);
      hub.result({ deviceId: id, connectionString }, connectionString);
    });

  return device;
}
