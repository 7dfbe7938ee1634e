/**
 * What the handlers assume about the events API Gateway hands them, in one place, with where
 * each assumption comes from. Where `serverless offline` differs, the note says how the local
 * hub is kept to AWS's behaviour (or that it is not, and what a deployed hub then does).
 *
 * HTTP API, payload format 2.0 (functions/deviceApi, serviceApi, commandsApi, routingApi)
 * Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * and https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
 * - Header names arrive lower-cased; a header sent more than once arrives as ONE value, the
 *   repeats joined with commas ("API Gateway combines multiple header values with commas").
 *   The header normaliser middleware (lib/http/plumbing.ts) lower-cases again (offline keeps
 *   some case). A device that repeats an `iothub-app-*` header therefore sends one property
 *   whose value contains commas (lib/messageProperties.ts keeps it one value): IoT Hub's property
 *   value character set excludes `,`, so such a request is refused with 400, the same on AWS and
 *   locally.
 * - `Cookie` headers arrive in `cookies[]`, not in `headers`: the hub reads no cookie.
 * - `rawQueryString` is the query as sent (not decoded); `queryStringParameters` is decoded and
 *   joins repeats with commas. Flags without a value (`?reject`) are read from `rawQueryString`
 *   (`request.queryParameters`), because a parameter without `=` may be absent from the map.
 * - Path parameters arrive DECODED ("API Gateway decodes URL-encoded request parameters before
 *   passing them to your backend integration"); serverless offline (hapi) decodes them once
 *   too. The handlers therefore use them as delivered and never decode again (`pathParam`).
 *   Reported, not documented: HTTP APIs decode the path once to match the route and decode a
 *   parameter's value a second time (Stack Exchange "How to encode parameters for AWS API
 *   Gateway (HTTP API)?"), and `rawPath` arrives decoded too and cut at a decoded `?` (live
 *   captures cited in github.com/middleapi/standard-server/pull/93, github.com/Worklytics/psoxy/pull/827).
 *   Neither field then carries what the client sent, so no handler can recover it: a deployed
 *   hub cannot reliably serve device ids containing `%` or `?` over its HTTPS routes (README,
 *   "Deploying"). The WebSocket channel takes the id from the SAS token and is unaffected.
 * - Bodies: text content types arrive as text, others base64 with `isBase64Encoded: true`
 *   (the `bodyDecoder` middleware decodes either). offline passes a JSON body that parses to
 *   `false`/`0` as that value: `bodyDecoder` reads it as its JSON text.
 * - Payload limit: 10 MB per HTTP API request, 6 MB per synchronous Lambda invocation (request
 *   and response). IoT Hub's 256 KB message limit is far below both and is enforced in lib/d2c.
 * - Timeout: an HTTP API integration answers 503 after at most 30 s (default 30 s); the functions
 *   run with `timeout` below that (serverless.yml), and each call path has a deadline below its
 *   function's timeout (`DEADLINE_MARGIN_MS`), so the hub answers its own 503 first.
 *
 * WebSocket API (functions/wsConnect, wsDisconnect, wsDefault)
 * Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-mapping-template-reference.html
 * and https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html#apigateway-execution-service-websocket-limits-table
 * - Events carry `requestContext.connectionId`, `routeKey` ($connect, $disconnect, $default),
 *   `eventType`, `domainName` and `stage` (the management endpoint is derived from these).
 *   `$connect` carries `headers` and `queryStringParameters`; later frames only the body.
 * - Frames: at most 32 KB per frame, 128 KB per message (a larger message arrives as fragments);
 *   a larger frame or message closes the connection with 1009. serverless offline enforces
 *   neither: the local stack serves WebSockets through a proxy that does (infra/local/wsLimits).
 * - A connection lasts at most 2 hours and is closed after 10 minutes without a frame; the
 *   integration timeout is 29 s. The hub's `ping` action keeps quiet devices alive.
 * - A binary frame arrives base64 with `isBase64Encoded: true`.
 */

/** API Gateway WebSocket limits (AWS quota table, not adjustable). */
export const WS_MAX_FRAME_BYTES = 32 * 1024;
export const WS_MAX_MESSAGE_BYTES = 128 * 1024;
/** WebSocket close code for a frame or message over the limit (RFC 6455 "message too big"). */
export const WS_CLOSE_TOO_BIG = 1009;
