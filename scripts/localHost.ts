import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ApiError, errorBody } from '../shared/errors';
import type { FunctionDefinition } from '../shared/host';
import { ROOT } from './localSettings';

/** Like the host's limits on slow clients: a request must arrive whole within this time. */
const REQUEST_TIMEOUT_MS = 30_000;

interface Route {
  definition: Extract<FunctionDefinition, { trigger: 'http' }>;
  pattern: RegExp;
  literalSegments: number;
}

function compile(definition: Route['definition']): Route {
  const segments = (definition.options.route ?? definition.name).split('/');
  const source = segments.map((s) => (/^\{\w+\}$/.test(s) ? `(?<${s.slice(1, -1)}>[^/]+)` : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/');
  return { definition, pattern: new RegExp(`^/api/${source}/?$`, 'i'), literalSegments: segments.filter((s) => !s.startsWith('{')).length };
}

function send(res: ServerResponse, response: HttpResponseInit): void {
  const headers = new Headers(response.headers as ConstructorParameters<typeof Headers>[0]);
  let body: string | Buffer | undefined;
  if (response.jsonBody !== undefined) {
    body = JSON.stringify(response.jsonBody);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  } else if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) body = response.body;
  res.writeHead(response.status ?? 200, Object.fromEntries(headers));
  res.end(body);
}

/** Requires the compiled function modules (package.json `main`) and collects their definitions. */
export function loadDefinitions(dir = join(ROOT, 'dist', 'functions')): FunctionDefinition[] {
  const warn = console.warn;
  // Outside the host, @azure/functions warns once per registration that it runs in test mode.
  console.warn = (...args: unknown[]) => (String(args[0]).includes('test mode') ? undefined : warn(...args));
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .sort()
      .flatMap((f) => (require(join(dir, f)) as { definitions: FunctionDefinition[] }).definitions);
  } finally {
    console.warn = warn;
  }
}

export interface LocalHost {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * A stand-in for the Functions host's HTTP side, for machines without Core Tools: it serves the
 * same definitions the app registers with Azure (routes, methods) under /api, and calls their real
 * handlers with HttpRequest and InvocationContext, as the host does.
 */
export function startLocalHost(
  definitions: FunctionDefinition[],
  port: number,
  hostname = '127.0.0.1',
  sendOutput?: (queueName: string, value: unknown) => Promise<void>,
): Promise<LocalHost> {
  const routes = definitions
    .filter((d): d is Route['definition'] => d.trigger === 'http')
    .map(compile)
    .sort((a, b) => b.literalSegments - a.literalSegments);

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `${hostname}:${port}`}`);
      const method = (req.method ?? 'GET').toUpperCase();
      const match = routes
        .filter((r) => (r.definition.options.methods ?? ['GET', 'POST']).includes(method as never))
        .map((r) => ({ route: r, found: r.pattern.exec(url.pathname) }))
        .find((m) => m.found !== null);
      if (!match) return send(res, { status: 404, jsonBody: errorBody(new ApiError(404, 'not_found', `No function serves ${method} ${url.pathname}`)) });
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      const hasBody = method !== 'GET' && method !== 'HEAD';
      // The body stays a stream, as with the host's HTTP streaming (app.setup({ enableHttpStream })):
      // handlers read what they accept and stop, so an oversized request is never buffered whole.
      // `nativeRequest` is how @azure/functions builds such a request itself (createStreamRequest).
      const request = new HttpRequest({
        nativeRequest: new Request(url, { method, headers, body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined, duplex: 'half' } as RequestInit),
        params: Object.fromEntries(Object.entries(match.found?.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)])),
      } as unknown as ConstructorParameters<typeof HttpRequest>[0]);
      const { definition } = match.route;
      const context = new InvocationContext({ invocationId: randomUUID(), functionName: definition.name });
      const response = (await definition.options.handler(request, context)) as HttpResponseInit;
      // As the host does after a successful invocation: send what was set on Service Bus outputs.
      for (const binding of definition.options.extraOutputs ?? []) {
        const value = context.extraOutputs.get(binding);
        if (value === undefined) continue;
        if (binding.type !== 'serviceBus' || !sendOutput) throw new Error(`${definition.name}: no local support for output binding ${binding.type}`);
        await sendOutput(String(binding.queueName), value);
      }
      send(res, response);
    } catch (e) {
      console.error(`Local host error: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) send(res, { status: 500, jsonBody: errorBody(new ApiError(500, 'internal_error', 'Internal error')) });
    }
  });

  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      const { port: actual } = server.address() as { port: number };
      resolve({
        url: `http://${hostname}:${actual}`,
        server,
        close: () => new Promise<void>((done) => (server.closeAllConnections(), server.close(() => done()))),
      });
    });
  });
}
