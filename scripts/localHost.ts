import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FunctionDefinition } from '../shared/host';

/** The host refuses request bodies over 100 MB; so does this one. */
const HOST_MAX_BODY_BYTES = 100 * 1024 * 1024;

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

async function readAll(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > HOST_MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
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
      if (!match) return send(res, { status: 404, jsonBody: { error: { code: 'not_found', message: `No function serves ${method} ${url.pathname}`, details: null } } });
      const body = method === 'GET' || method === 'HEAD' ? undefined : await readAll(req);
      if (body === undefined && method !== 'GET' && method !== 'HEAD') {
        return send(res, { status: 413, jsonBody: { error: { code: 'payload_too_large', message: 'Request body exceeds 100 MB', details: null } } });
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      const request = new HttpRequest({
        method,
        url: url.toString(),
        headers,
        query: Object.fromEntries(url.searchParams),
        params: Object.fromEntries(Object.entries(match.found?.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)])),
        body: body && body.length > 0 ? { bytes: body } : undefined,
      });
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
      if (!res.headersSent) send(res, { status: 500, jsonBody: { error: { code: 'internal_error', message: 'Internal error', details: null } } });
    }
  });

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
