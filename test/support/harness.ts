import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { createHash } from 'node:crypto';
import { createApp, setApp, type App, type AppOverrides } from '../../shared/app';
import type { FunctionDefinition } from '../../shared/host';
import { parseSettings } from '../../shared/settings';
import { definitions as submit } from '../../functions/submitBatch';
import { definitions as status } from '../../functions/getBatchStatus';
import { definitions as memory } from '../../functions/getMemory';
import { definitions as deadLetters } from '../../functions/deadLetters';

export const KEY_A = 'test-key-tenant-a';
export const KEY_B = 'test-key-tenant-b';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export interface CapturedLogs {
  lines: string[];
}

/**
 * Builds the process's app from process.env plus `env`, with logs captured, as the Functions host
 * would at start-up; returns it and the captured log lines.
 */
export function useApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): App & { logs: string[] } {
  const logs: string[] = [];
  const sink = (level: string) => (m: string) => logs.push(`${level} ${m}`);
  const settings = parseSettings({ API_KEYS: `tenant-a:${sha(KEY_A)},tenant-b:${sha(KEY_B)}`, ...process.env, ...env });
  const app = setApp(createApp(settings, { logSink: { debug: sink('DEBUG'), info: sink('INFO'), warn: sink('WARN'), error: sink('ERROR') }, ...overrides }));
  return Object.assign(app, { logs });
}

export const allDefinitions: FunctionDefinition[] = [...submit, ...status, ...memory, ...deadLetters];

export interface CallResult {
  status: number;
  body: any;
  headers: Record<string, string>;
  context: InvocationContext;
}

/** Invokes a registered function's real handler with HttpRequest/InvocationContext, as the host does. */
export async function call(
  name: string,
  init: { method?: string; path?: string; params?: Record<string, string>; query?: Record<string, string>; headers?: Record<string, string>; body?: string | Buffer },
): Promise<CallResult> {
  const definition = allDefinitions.find((d) => d.name === name);
  if (!definition || definition.trigger !== 'http') throw new Error(`no http function ${name}`);
  const request = new HttpRequest({
    method: init.method ?? definition.options.methods?.[0] ?? 'GET',
    url: `http://localhost:7071/api/${init.path ?? definition.options.route}`,
    headers: init.headers ?? {},
    params: init.params ?? {},
    query: init.query ?? {},
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? { string: init.body } : { bytes: init.body },
  });
  const context = new InvocationContext({ functionName: name, invocationId: 'test' });
  const response = (await definition.options.handler(request, context)) as HttpResponseInit;
  return { status: response.status ?? 200, body: response.jsonBody, headers: (response.headers ?? {}) as Record<string, string>, context };
}

export function submitBatch(body: unknown, headers: Record<string, string> = {}, key = KEY_A): Promise<CallResult> {
  return call('submitBatch', {
    headers: { 'content-type': 'application/json', 'x-api-key': key, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function getStatus(batchId: string, key = KEY_A, query: Record<string, string> = {}): Promise<CallResult> {
  return call('getBatchStatus', { params: { batch_id: batchId }, query, headers: { 'x-api-key': key } });
}

export function getMemory(memoryId: string, key = KEY_A): Promise<CallResult> {
  return call('getMemory', { params: { memory_id: memoryId }, headers: { 'x-api-key': key } });
}
