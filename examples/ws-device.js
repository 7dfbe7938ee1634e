#!/usr/bin/env node
// A minimal devhub WebSocket device in plain Node (only the `ws` package).
// Usage: DEVICE_CONNECTION_STRING='HostName=localhost;DeviceId=d1;SharedAccessKey=...' \
//        node examples/ws-device.js [ws://localhost:3001]
// It sends one telemetry message every 5 s, and completes every command it is sent.
'use strict';
const { createHmac } = require('node:crypto');
const WebSocket = require('ws');

const cs = Object.fromEntries(
  (process.env.DEVICE_CONNECTION_STRING || '').split(';').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
if (!cs.HostName || !cs.DeviceId || !cs.SharedAccessKey) {
  console.error('set DEVICE_CONNECTION_STRING to a device connection string');
  process.exit(2);
}
const url = process.argv[2] || 'ws://localhost:3001';

// IoT Hub's SAS token: HMAC-SHA256 over "<url-encoded resource>\n<expiry>" with the device key.
const sr = encodeURIComponent(`${cs.HostName}/devices/${encodeURIComponent(cs.DeviceId)}`);
const se = Math.floor(Date.now() / 1000) + 3600;
const sig = createHmac('sha256', Buffer.from(cs.SharedAccessKey, 'base64')).update(`${sr}\n${se}`).digest('base64');
const token = `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${se}`;

const socket = new WebSocket(`${url}/?authorization=${encodeURIComponent(token)}`);
let counter = 0;

socket.on('open', () => {
  console.log('connected');
  socket.send(JSON.stringify({ action: 'receive' })); // ask for commands queued while offline
  setInterval(() => {
    counter += 1;
    const frame = {
      action: 'send',
      messageId: `${cs.DeviceId}-${counter}`,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      properties: { kind: 'reading' },
      body: { counter, at: new Date().toISOString() },
    };
    socket.send(JSON.stringify(frame));
  }, 5000);
});

socket.on('message', (data) => {
  const frame = JSON.parse(data.toString());
  if (frame.type === 'c2d') {
    const body = Buffer.from(frame.body, 'base64').toString();
    console.log(`command ${frame.messageId}: ${body}`);
    socket.send(JSON.stringify({ action: 'complete', lockToken: frame.lockToken }));
  } else {
    console.log(JSON.stringify(frame)); // ack, nack, settled, error
  }
});

socket.on('unexpected-response', (_req, res) => {
  console.error(`refused: HTTP ${res.statusCode}`);
  process.exit(1);
});
socket.on('close', (code) => {
  console.log(`closed (${code})`);
  process.exit(0);
});
