/**
 * Drives the official Azure IoT SDKs for Node (azure-iot-device + azure-iot-device-http,
 * azure-iothub), unmodified, exactly as an application would. Runs as its own Node process so
 * that NODE_EXTRA_CA_CERTS (read only at process start) makes it trust the test hub's
 * certificate, as an application trusting a private CA would.
 *
 * Protocol: one JSON request per stdin line {id, op, args}; one JSON reply per stdout line
 * {id, ok: true, result} or {id, ok: false, error: {name, message, statusCode}}.
 */
'use strict';
const readline = require('node:readline');
const { Client, Message } = require('azure-iot-device');
const { Http } = require('azure-iot-device-http');
const { Registry } = require('azure-iothub');

function toMessage(m) {
  const msg = new Message(Buffer.from(m.data, 'base64'));
  if (m.messageId !== undefined) msg.messageId = m.messageId;
  if (m.correlationId !== undefined) msg.correlationId = m.correlationId;
  if (m.userId !== undefined) msg.userId = m.userId;
  if (m.contentType !== undefined) msg.contentType = m.contentType;
  if (m.contentEncoding !== undefined) msg.contentEncoding = m.contentEncoding;
  for (const [k, v] of Object.entries(m.properties ?? {})) msg.properties.add(k, v);
  return msg;
}

function fromMessage(msg) {
  const properties = {};
  for (let i = 0; i < msg.properties.count(); i++) {
    const item = msg.properties.getItem(i);
    properties[item.key] = item.value;
  }
  return {
    data: Buffer.from(msg.getBytes()).toString('base64'),
    messageId: msg.messageId,
    correlationId: msg.correlationId,
    lockToken: msg.lockToken,
    expiryTimeUtc: msg.expiryTimeUtc,
    properties,
  };
}

/** Receives one cloud-to-device message with the SDK's HTTP polling and settles it. */
async function receiveOne({ connectionString, settle, timeoutMs }) {
  const client = Client.fromConnectionString(connectionString, Http);
  client.setOptions({ http: { receivePolicy: { interval: 1 } } });
  try {
    const msg = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
      client.on('error', (err) => (clearTimeout(timer), reject(err)));
      client.on('message', (m) => (clearTimeout(timer), resolve(m)));
    });
    client.removeAllListeners('message');
    if (settle) await client[settle](msg);
    return fromMessage(msg);
  } finally {
    await client.close();
  }
}

const devices = new Map();
function device(connectionString) {
  let client = devices.get(connectionString);
  if (!client) devices.set(connectionString, (client = Client.fromConnectionString(connectionString, Http)));
  return client;
}

const registries = new Map();
function reg(connectionString) {
  let registry = registries.get(connectionString);
  if (!registry) registries.set(connectionString, (registry = Registry.fromConnectionString(connectionString)));
  return registry;
}

const ops = {
  async sendEvent({ connectionString, message }) {
    const res = await device(connectionString).sendEvent(toMessage(message));
    return { transportStatus: res.transportObj?.statusCode };
  },
  async sendEventBatch({ connectionString, messages }) {
    const res = await device(connectionString).sendEventBatch(messages.map(toMessage));
    return { transportStatus: res.transportObj?.statusCode };
  },
  receiveOne,
  async registry({ connectionString, method, args }) {
    const r = reg(connectionString);
    const out = await r[method](...args);
    return { result: out.responseBody, status: out.httpResponse?.statusCode };
  },
};

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const { id, op, args } = JSON.parse(line);
  Promise.resolve()
    .then(() => ops[op](args))
    .then(
      (result) => process.stdout.write(`${JSON.stringify({ id, ok: true, result })}\n`),
      (err) =>
        process.stdout.write(
          `${JSON.stringify({
            id,
            ok: false,
            error: { name: err?.name ?? String(err), message: err?.message, statusCode: err?.response?.statusCode },
          })}\n`,
        ),
    );
});
rl.on('close', () => process.exit(0));
