import type { HttpEvent } from './request';
import { correlationKeys } from './middleware';
import { devicePathParameters, functionUrlHost, isFunctionUrlEvent, matchRoute } from './functionUrl';

const routes = [
  'POST /devices/{id}/messages/events',
  'GET /devices/{id}/messages/devicebound',
  'DELETE /devices/{id}/messages/devicebound/{lockToken}',
  'POST /devices/{id}/messages/devicebound/{lockToken}/abandon',
];

describe('function URL routing', () => {
  it('finds the route by method and raw path, with path parameters decoded once', () => {
    expect(matchRoute(routes, 'post', '/devices/a%2Fb%2541/messages/events')).toEqual({
      routeKey: 'POST /devices/{id}/messages/events',
      pathParameters: { id: 'a/b%41' },
    });
    expect(matchRoute(routes, 'POST', '/devices/d1/messages/devicebound/tok%3D/abandon')).toEqual({
      routeKey: 'POST /devices/{id}/messages/devicebound/{lockToken}/abandon',
      pathParameters: { id: 'd1', lockToken: 'tok=' },
    });
  });

  it('matches nothing for another method, another path, an empty segment or a malformed escape', () => {
    expect(matchRoute(routes, 'PUT', '/devices/d1/messages/events')).toBeUndefined();
    expect(matchRoute(routes, 'POST', '/devices/d1/messages/events/x')).toBeUndefined();
    expect(matchRoute(routes, 'POST', '/devices//messages/events')).toBeUndefined();
    expect(matchRoute(routes, 'POST', '/devices/%E0%A4%A/messages/events')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/devices/d1/messages/Devicebound')).toBeUndefined();
  });

  it('tells function URL events from gateway events, and takes the host only from the former', () => {
    const url = {
      routeKey: '$default',
      rawPath: '/devices/d1/messages/events',
      requestContext: { domainName: 'abc.lambda-url.eu-west-1.on.aws' },
    };
    const gateway = { ...url, routeKey: 'POST /devices/{id}/messages/events', pathParameters: { id: 'd1' } };
    expect(isFunctionUrlEvent(url as unknown as HttpEvent)).toBe(true);
    expect(functionUrlHost(url as unknown as HttpEvent)).toBe('abc.lambda-url.eu-west-1.on.aws');
    expect(isFunctionUrlEvent(gateway as unknown as HttpEvent)).toBe(false);
    expect(functionUrlHost(gateway as unknown as HttpEvent)).toBeUndefined();
  });

  it('correlates log lines of a function URL request with its device and lock token before routing', () => {
    expect(devicePathParameters('/devices/d%201/messages/devicebound/abcdefghijkl')).toEqual({ id: 'd%201', lockToken: 'abcdefghijkl' });
    expect(correlationKeys({ routeKey: '$default', rawPath: '/devices/d%201/messages/devicebound/abcdefghijkl' })).toEqual({
      deviceId: 'd 1',
      lockTokenPrefix: 'abcdefgh',
    });
    expect(devicePathParameters('/other')).toEqual({});
  });
});
