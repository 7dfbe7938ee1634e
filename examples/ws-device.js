#!/usr/bin/env node
// A minimal devhub WebSocket device in plain Node (only the `ws` package).
// Usage: DEVICE_CONNECTION_STRING='HostName=localhost;DeviceId=d1;SharedAccessKey=...' \
//        node examples/ws-device.js [ws://localhost:3001]
// It sends one telemetry message every 5 s, completes every command it is sent, pings every
// PING_SECONDS (default 300: API Gateway closes sockets idle for 10 minutes) and, when the
// socket closes (token expiry, the 2-hour limit, a restart), reconnects with a new token after a
// jittered exponential backoff. Frames are at most 32 KB (API Gateway's frame limit): a larger
// reading is refused here rather than sent (the hub would close the connection with 1009).
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
const PING_MS = Number(process.env.PING_SECONDS || 300) * 1000;
const TOKEN_SECONDS = Number(process.env.TOKEN_SECONDS || 3600);
const MAX_FRAME_BYTES = 32 * 1024;

// IoT Hub's SAS token: HMAC-SHA256 over "<url-encoded resource>\n<expiry>" with the device key.
function sasToken() {
  const sr = encodeURIComponent(`${cs.HostName}/devices/${encodeURIComponent(cs.DeviceId)}`);
  const se = Math.floor(Date.now() / 1000) + TOKEN_SECONDS;
  const sig = createHmac('sha256', Buffer.from(cs.SharedAccessKey, 'base64')).update(`${sr}\n${se}`).digest('base64');
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${se}`;
}

// Exponential backoff with full jitter: 1 s doubling to 60 s, a random point below that.
const backoffMs = (attempt) => Math.floor(Math.random() * Math.min(60_000, 1000 * 2 ** attempt));

let counter = 0;
let attempt = 0;
let connections = 0;

function connect() {
  const socket = new WebSocket(`${url}/?authorization=${encodeURIComponent(sasToken())}`);
  const timers = [];
  const send = (frame) => {
    const text = JSON.stringify(frame);
    if (Buffer.byteLength(text) > MAX_FRAME_BYTES) {
      console.error(`not sent: frame of ${Buffer.byteLength(text)} bytes is over ${MAX_FRAME_BYTES}`);
      return;
    }
    if (socket.readyState === WebSocket.OPEN) socket.send(text);
  };

  socket.on('open', () => {
    attempt = 0;
    console.log(connections++ === 0 ? 'connected' : 'reconnected');
    send({ action: 'receive' }); // ask for commands queued while offline
    timers.push(setInterval(() => send({ action: 'ping' }), PING_MS));
    timers.push(
      setInterval(() => {
        counter += 1;
        send({
          action: 'send',
          messageId: `${cs.DeviceId}-${counter}`,
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          properties: { kind: 'reading' },
          body: { counter, at: new Date().toISOString() },
        });
      }, 5000),
    );
  });

  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'c2d') {
      const body = Buffer.from(frame.body, 'base64').toString();
      console.log(`command ${frame.messageId}: ${body}`);
      send({ action: 'complete', lockToken: frame.lockToken });
    } else if (frame.type !== 'pong') {
      console.log(JSON.stringify(frame)); // ack, nack, settled, error, closing (with the reason)
    }
  });

  socket.on('unexpected-response', (_req, res) => {
    if (res.statusCode === 401) {
      console.error('refused: HTTP 401 (disabled device or changed key)');
      process.exit(1);
    }
    socket.terminate();
  });
  socket.on('error', (err) => console.error(`socket error: ${err.message}`));
  socket.on('close', (code) => {
    for (const t of timers) clearInterval(t);
    const wait = backoffMs(attempt++);
    console.log(`closed (${code}); reconnecting in ${wait} ms`);
    setTimeout(connect, wait);
  });
}

connect();
