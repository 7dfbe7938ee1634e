/** Builders for routing unit tests. Not used by production code. */
import type { Envelope } from '../envelope';
import type { Endpoint, Route, RoutingConfig } from './model';

export function envelope(over: Partial<Envelope> & { json?: unknown } = {}): Envelope {
  const { json, ...rest } = over;
  const deviceId = rest.deviceId ?? 'dev1';
  return {
    schemaVersion: 1,
    deviceId,
    moduleId: null,
    messageSource: 'Telemetry',
    enqueuedTime: '2026-01-01T00:00:00.000Z',
    systemProperties: {
      'iothub-connection-device-id': deviceId,
      'iothub-connection-auth-method': '{}',
      'iothub-enqueuedtime': '2026-01-01T00:00:00.000Z',
      'iothub-message-source': rest.messageSource ?? 'Telemetry',
      ...(json !== undefined ? { 'content-type': 'application/json', 'content-encoding': 'utf-8' } : {}),
    },
    properties: {},
    body: json !== undefined ? Buffer.from(JSON.stringify(json)).toString('base64') : '',
    ...rest,
  };
}

export function endpoint(name: string, type: Endpoint['type'] = 'sqs'): Endpoint {
  return { name, type, target: name, address: name, createdTime: '2026-01-01T00:00:00.000Z', updatedTime: '2026-01-01T00:00:00.000Z' };
}

export function route(name: string, endpointName: string, condition: string, over: Partial<Route> = {}): Route {
  return { name, source: 'DeviceMessages', condition, endpoint: endpointName, enabled: true, updatedTime: '', ...over };
}

export function config(over: Partial<RoutingConfig> = {}): RoutingConfig {
  return { endpoints: [], routes: [], enrichments: [], ...over };
}
