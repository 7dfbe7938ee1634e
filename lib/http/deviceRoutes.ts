/**
 * The device HTTPS routes (IoT Hub's device contract) the device function serves, as route keys.
 * serverless.yml declares them on the HTTP API more broadly (`{segment}` where SDKs use two
 * spellings); test/frontDoorTemplate.test.ts checks every key here is reachable there.
 */

/** Device SDKs spell the cloud-to-device segment both ways; IoT Hub's paths are case-sensitive otherwise. */
export const C2D_SEGMENTS = ['devicebound', 'deviceBound'] as const;
export type C2dSegment = (typeof C2D_SEGMENTS)[number];

export const deviceRouteKeys = {
  send: 'POST /devices/{id}/messages/events',
  receive: (segment: C2dSegment) => `GET /devices/{id}/messages/${segment}`,
  completeOrReject: (segment: C2dSegment) => `DELETE /devices/{id}/messages/${segment}/{lockToken}`,
  abandon: (segment: C2dSegment) => `POST /devices/{id}/messages/${segment}/{lockToken}/abandon`,
};

/** Every route key the device function answers. */
export const DEVICE_ROUTE_KEYS: readonly string[] = [
  deviceRouteKeys.send,
  ...C2D_SEGMENTS.flatMap((s) => [deviceRouteKeys.receive(s), deviceRouteKeys.completeOrReject(s), deviceRouteKeys.abandon(s)]),
];
