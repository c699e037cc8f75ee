import {
  app,
  type HttpFunctionOptions,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
  type ServiceBusQueueFunctionOptions,
} from '@azure/functions';
import type { App } from './app';
import { ApiError, errorBody } from './errors';

/**
 * Function modules load this file at start-up, so it stays light: the app (zod, storage, HTTP
 * client) is imported on first use, not when the host indexes the functions.
 */
export async function loadApp(): Promise<App> {
  return (await import('./app.js')).getApp();
}

/**
 * The one module in shared/ that knows the Functions host. Each functions/*.ts file exports its
 * definitions as data and registers them through `register`, so tests and the local host read
 * exactly what Azure registers (names, routes, methods, bindings).
 */
export type FunctionDefinition =
  | { name: string; trigger: 'http'; options: HttpFunctionOptions }
  | { name: string; trigger: 'serviceBusQueue'; options: ServiceBusQueueFunctionOptions };

// Request bodies arrive as streams (host 4.28+), so readBody can refuse an oversized body part-way
// instead of the worker receiving it whole. Must run before the app finishes starting.
app.setup({ enableHttpStream: true });

// Fail fast: the host validates every setting (zod) when the app starts, before any invocation.
app.hook.appStart(async () => void (await loadApp()));

export function register(definitions: FunctionDefinition[]): FunctionDefinition[] {
  for (const d of definitions) {
    if (d.trigger === 'http') app.http(d.name, d.options);
    else app.serviceBusQueue(d.name, d.options);
  }
  return definitions;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

/** The authenticated tenant of a request (401 JSON via ApiError otherwise). */
export async function tenantOf(request: HttpRequest): Promise<string> {
  const [{ presentedKey }, app] = await Promise.all([import('./auth.js'), loadApp()]);
  return app.auth.tenantFor(presentedKey(request.headers));
}

/**
 * Reads the body, refusing more than `maxBytes` before buffering it: a declared Content-Length
 * over the limit is refused unread, and a stream that grows past it is cancelled mid-way.
 */
export async function readBody(request: HttpRequest, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new ApiError(413, 'payload_too_large', `Request body exceeds ${maxBytes} bytes`, { field: '(body)', limit: maxBytes });
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge();
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** An Azure SDK RestError (matched by name: importing the class would load the SDK at start-up). */
function isStorageOutage(e: unknown): boolean {
  const { name, code, statusCode } = e as { name?: string; code?: string; statusCode?: number };
  return (name === 'RestError' && (statusCode === undefined || statusCode >= 500)) || code === 'ECONNREFUSED' || code === 'ETIMEDOUT';
}

/**
 * Turns any failure into the JSON error shape. Refused input is a 4xx the caller can fix; a
 * storage outage is a 503 to retry (with the same Idempotency-Key); anything else is a logged 500.
 */
export function httpHandler(handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      return await handler(request, context);
    } catch (e) {
      if (e instanceof ApiError) return json(e.status, errorBody(e));
      if (isStorageOutage(e)) {
        (await loadApp()).logger.error(`Storage unavailable in ${context.functionName}: ${(e as Error).message}`);
        return json(503, errorBody(new ApiError(503, 'storage_unavailable', 'Storage is unavailable; retry later')), { 'retry-after': '5' });
      }
      (await loadApp()).logger.error(`Unhandled error in ${context.functionName}: ${(e as Error).stack ?? e}`);
      return json(500, errorBody(new ApiError(500, 'internal_error', 'Internal error')));
    }
  };
}
