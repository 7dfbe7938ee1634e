/**
 * The one error hierarchy of the hub. Every error a caller may see carries an HTTP status,
 * an IoT Hub error code and a message that is safe to show. Anything else that escapes a
 * handler is an internal error and is reported without detail (mapped in one place: errorResponse in lib/http/response.ts, used by the hubErrors middleware).
 */
export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HubError {
  constructor(message: string, code = 'ArgumentInvalid') {
    super(400, code, message);
  }
}

export class UnauthorizedError extends HubError {
  // One message for every authentication failure: the caller learns nothing about why.
  constructor() {
    super(401, 'IotHubUnauthorizedAccess', 'Unauthorized');
  }
}

export class ForbiddenError extends HubError {
  constructor(message: string, code = 'IotHubUnauthorizedAccess') {
    super(403, code, message);
  }
}

export class NotFoundError extends HubError {
  constructor(message: string, code = 'DeviceNotFound') {
    super(404, code, message);
  }
}

export class ConflictError extends HubError {
  constructor(message: string, code = 'DeviceAlreadyExists') {
    super(409, code, message);
  }
}

export class PreconditionFailedError extends HubError {
  constructor(message: string, code = 'PreconditionFailed') {
    super(412, code, message);
  }
}

export class PayloadTooLargeError extends HubError {
  constructor(message: string, code = 'MessageTooLarge') {
    super(413, code, message);
  }
}

export class ThrottledError extends HubError {
  constructor(retryAfterSeconds: number) {
    super(429, 'ThrottlingException', 'Too many requests', { 'Retry-After': String(retryAfterSeconds) });
  }
}

export class ServiceUnavailableError extends HubError {
  constructor(message = 'The service is temporarily unavailable; retry the request') {
    super(503, 'ServiceUnavailable', message);
  }
}

export function isHubError(err: unknown): err is HubError {
  return err instanceof HubError;
}
