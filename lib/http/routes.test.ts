import { DEVICE_ROUTE_KEYS } from './deviceRoutes';
import { narrowGatewayRoute } from './routes';

describe('narrowGatewayRoute (a gateway route broader than the handler table)', () => {
  it('narrows a {segment} route to the table route its parameter spells, with the table names only', () => {
    expect(narrowGatewayRoute(DEVICE_ROUTE_KEYS, 'GET /devices/{id}/messages/{segment}', { id: 'd/1', segment: 'deviceBound' })).toEqual({
      routeKey: 'GET /devices/{id}/messages/deviceBound',
      pathParameters: { id: 'd/1' },
    });
    expect(
      narrowGatewayRoute(DEVICE_ROUTE_KEYS, 'POST /devices/{id}/messages/{segment}/{lockToken}/abandon', {
        id: 'd1',
        segment: 'devicebound',
        lockToken: 'tok=',
      }),
    ).toEqual({ routeKey: 'POST /devices/{id}/messages/devicebound/{lockToken}/abandon', pathParameters: { id: 'd1', lockToken: 'tok=' } });
  });

  it('matches case-sensitively and on method, segment count and variable names; nothing else', () => {
    const get = (segment: string) => narrowGatewayRoute(DEVICE_ROUTE_KEYS, 'GET /devices/{id}/messages/{segment}', { id: 'd1', segment });
    expect(get('DeviceBound')).toBeUndefined();
    expect(get('events')).toBeUndefined();
    expect(
      narrowGatewayRoute(DEVICE_ROUTE_KEYS, 'PUT /devices/{id}/messages/{segment}', { id: 'd1', segment: 'devicebound' }),
    ).toBeUndefined();
    expect(narrowGatewayRoute(DEVICE_ROUTE_KEYS, 'GET /devices/{id}/messages/{segment}', { id: 'd1' })).toBeUndefined();
    expect(
      narrowGatewayRoute(DEVICE_ROUTE_KEYS, 'GET /devices/{deviceId}/messages/{segment}', { deviceId: 'd1', segment: 'devicebound' }),
    ).toBeUndefined();
    expect(
      narrowGatewayRoute(DEVICE_ROUTE_KEYS, 'GET /devices/{id}/messages/{segment}/x', { id: 'd1', segment: 'devicebound' }),
    ).toBeUndefined();
  });
});
