/**
 * What a packaged HTTP API does with a request: its routes (route key → the function it invokes)
 * and API Gateway's route selection as documented in "Create routes for HTTP APIs" ("Routing API
 * requests"): the route whose method and path match exactly first, then routes with path
 * variables, the most specific first. Path variables match one non-empty segment; literals match
 * case-sensitively. `ANY`, greedy `{proxy+}` and `$default` routes are not modelled: a template
 * with one fails loudly here rather than being judged by rules it does not follow.
 */
import type { Template } from './template';

export interface HttpApiRoute {
  routeKey: string;
  /** The logical id of the Lambda function the route's integration invokes. */
  functionId: string;
}

/** The template's HTTP API routes (not the WebSocket API's) with the function each one invokes. */
export function httpApiRoutes(t: Template): HttpApiRoute[] {
  return Object.values(t.Resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
    .map((r) => r.Properties as { ApiId: { Ref: string }; RouteKey: string; Target: { 'Fn::Join': [string, [string, { Ref: string }]] } })
    .filter((p) => p.ApiId.Ref === 'HttpApi')
    .map((p) => {
      if (/^(ANY |\$default)|\+\}/.test(p.RouteKey)) throw new Error(`route ${p.RouteKey}: not modelled by selectRoute`);
      const integrationId = p.Target['Fn::Join'][1][1].Ref;
      const uri = t.Resources[integrationId]?.Properties?.IntegrationUri as { 'Fn::GetAtt': [string, string] } | undefined;
      if (!uri) throw new Error(`route ${p.RouteKey}: integration ${integrationId} invokes no function`);
      return { routeKey: p.RouteKey, functionId: uri['Fn::GetAtt'][0] };
    });
}

/** Per segment, literal 2 and variable 1; undefined when the route's path does not match. */
function rank(template: string, path: string): { rank: number[]; pathParameters: Record<string, string> } | undefined {
  const parts = template.split('/').slice(1);
  const segments = path.split('/').slice(1);
  if (parts.length !== segments.length) return undefined;
  const pathParameters: Record<string, string> = {};
  const ranks: number[] = [];
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? '';
    const variable = /^\{(\w+)\}$/.exec(part);
    if (variable && segment !== '') {
      // API Gateway decodes URL-encoded parameters before the integration.
      pathParameters[variable[1] ?? ''] = decodeURIComponent(segment);
      ranks.push(1);
    } else if (part === segment) ranks.push(2);
    else return undefined;
  }
  return { rank: ranks, pathParameters };
}

const moreSpecific = (a: number[], b: number[]) => {
  const i = a.findIndex((r, j) => r !== b[j]);
  return i >= 0 && (a[i] ?? 0) > (b[i] ?? 0);
};

/** The route API Gateway selects for a request, with the path parameters it hands the integration. */
export function selectRoute(
  routes: HttpApiRoute[],
  method: string,
  path: string,
): (HttpApiRoute & { pathParameters: Record<string, string> }) | undefined {
  let best: { route: HttpApiRoute; rank: number[]; pathParameters: Record<string, string> } | undefined;
  for (const route of routes) {
    const [routeMethod, template = ''] = route.routeKey.split(' ');
    if (routeMethod !== method) continue;
    const match = rank(template, path);
    if (match && (!best || moreSpecific(match.rank, best.rank))) best = { route, ...match };
  }
  return best && { ...best.route, pathParameters: best.pathParameters };
}
