/**
 * Calls to the hub's service APIs from the page: same origin, a policy token signed in the
 * browser per call (re-signed before it expires), IoT Hub error bodies turned into one clear
 * message. Network failures and timeouts become an ApiError with status 0.
 */
import { CredentialsError, signPolicyToken, type PolicyCredentials } from './sas';

export type Permission = 'RegistryRead' | 'RegistryWrite' | 'ServiceConnect';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Headers = new Headers(),
  ) {
    super(message);
  }
}

export interface ApiAnswer<T> {
  status: number;
  data: T;
  headers: Headers;
}

const TOKEN_TTL_SECONDS = 3600;
const TIMEOUT_MS = 30_000;

export class Api {
  private token: { value: string; expiry: number } | undefined;

  constructor(
    readonly credentials: PolicyCredentials,
    private readonly now: () => number = Date.now,
  ) {}

  private async authorization(): Promise<string> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const c = this.credentials;
    if (c.token) {
      if ((c.expiry ?? 0) <= nowSeconds)
        throw new ApiError(
          401,
          'TokenExpired',
          `Your SAS token expired at ${new Date((c.expiry ?? 0) * 1000).toLocaleString()}. Sign out and sign in again.`,
        );
      return c.token;
    }
    if (!this.token || this.token.expiry - nowSeconds < 300) {
      if (!c.key) throw new CredentialsError('No key to sign with.');
      const expiry = nowSeconds + TOKEN_TTL_SECONDS;
      this.token = { value: await signPolicyToken(c.hostName, c.keyName, c.key, expiry), expiry };
    }
    return this.token.value;
  }

  async call<T = unknown>(
    method: string,
    path: string,
    opts: { body?: unknown; rawBody?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { authorization: await this.authorization(), ...opts.headers };
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    } else if (opts.rawBody !== undefined) {
      body = opts.rawBody;
    }
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers,
        body,
        signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
        cache: 'no-store',
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const why = timeout.aborted ? `no answer within ${TIMEOUT_MS / 1000} s` : (err as Error).message;
      throw new ApiError(0, 'Unreachable', `Cannot reach the hub at ${location.origin} (${why}). Is it running?`);
    }
    const text = await res.text();
    if (!res.ok) throw errorFrom(res, text);
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    return { status: res.status, data: data as T, headers: res.headers };
  }
}

function errorFrom(res: Response, text: string): ApiError {
  let code = res.headers.get('iothub-errorcode') ?? '';
  let detail = '';
  try {
    const body = JSON.parse(text) as { Message?: string };
    const m = /^ErrorCode:([^;]*);(.*)$/s.exec(body.Message ?? '');
    if (m) {
      code ||= m[1] ?? '';
      detail = m[2] ?? '';
    } else detail = body.Message ?? '';
  } catch {
    detail = text.slice(0, 200);
  }
  let message = detail || res.statusText;
  if (res.status === 401)
    message =
      'The hub refused the credentials (401). The key may be wrong or rotated, the policy removed, or the token expired. Sign in again.';
  else if (res.status === 403) message = `Not allowed (403): ${detail}`;
  else if (res.status >= 500) message = `The hub failed (${res.status} ${code}): ${detail || 'internal error'}. Try again.`;
  return new ApiError(res.status, code || `Http${res.status}`, message, res.headers);
}
