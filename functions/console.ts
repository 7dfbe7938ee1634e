/**
 * The web console: `GET /console` (the page) and `GET /console/{file}` (its script, styles).
 * Static files built into dist/console and packaged with this function; no data access (the
 * page calls the same service APIs as any backend, with a token it signs itself).
 */
import middy from '@middy/core';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { answer, isServableName, staticFile, type StaticFile } from '../lib/console/staticFiles';
import { observability } from '../lib/http/middleware';
import { httpPlumbing } from '../lib/http/plumbing';
import { headers, type HttpEvent } from '../lib/http/request';
import type { HttpResult } from '../lib/http/response';
import { routeTable } from '../lib/http/routes';

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) if (isServableName(name)) files.set(name, staticFile(name, readFileSync(join(dir, name), 'utf8')));
  if (!files.has('index.html')) throw new Error(`console: no index.html in ${dir} (run npm run build)`);
  return files;
}

// The bundle sits in dist/functions; the console's files in dist/console (both packaged).
const files = loadFiles(join(__dirname, '../console'));

function serve(name: string, event: HttpEvent): Promise<HttpResult> {
  const file = isServableName(name) ? files.get(name) : undefined;
  return Promise.resolve(answer(file, headers(event)['if-none-match']));
}

export const handler = middy(
  routeTable({
    'GET /console': (event) => serve('index.html', event),
    'GET /console/{file}': (event) => serve(event.pathParameters?.file || 'index.html', event),
  }),
)
  .use(observability())
  .use(httpPlumbing());
