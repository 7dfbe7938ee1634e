/** Real records from the built-in stream validate against the published JSON Schema. */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import schema from '../schema/envelope.schema.json';
import { kinesis, newDevice, service, StreamWatcher } from './support/hub';

const validate = addFormats(new Ajv({ allErrors: true, strict: false })).compile(schema);

describe('envelope JSON Schema', () => {
  const k = kinesis();
  afterAll(() => k.destroy());

  it('accepts telemetry (single and batch) and lifecycle records as the hub writes them', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, client } = await newDevice('schema', { tags: { site: 'x' } });
    await client.send({
      body: Buffer.from([0, 1, 2, 255]),
      messageId: 'x',
      properties: { a: 'b' },
      contentType: 'application/octet-stream',
    });
    await client.sendBatch([{ body: '{"v":1}', contentType: 'application/json', contentEncoding: 'utf-8' }, { body: 'two' }]);
    await service().deleteDevice(device.deviceId);
    const records = await watcher.waitFor((e) => e.deviceId === device.deviceId, 5);
    expect(records.map((r) => r.messageSource)).toEqual([
      'DeviceLifecycleEvents',
      'Telemetry',
      'Telemetry',
      'Telemetry',
      'DeviceLifecycleEvents',
    ]);
    for (const record of records) {
      const ok = validate(record);
      expect({ ok, errors: validate.errors }).toEqual({ ok: true, errors: null });
    }
    const deleted = records[4];
    expect(deleted?.properties.opType).toBe('deleteDeviceIdentity');
    // Lifecycle bodies never carry keys.
    expect(Buffer.from(deleted?.body ?? '', 'base64').toString()).not.toContain(device.authentication.symmetricKey.primaryKey);
  });

  it('rejects records that break the contract (the schema is not vacuous)', () => {
    expect(validate({})).toBe(false);
    expect(
      validate({
        schemaVersion: 1,
        deviceId: 'd',
        moduleId: null,
        messageSource: 'Telemetry',
        enqueuedTime: 'yesterday',
        systemProperties: {},
        properties: {},
        body: '',
      }),
    ).toBe(false);
  });
});
