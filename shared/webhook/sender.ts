import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { parseWebhookUrl, resolveTarget, systemResolver, WebhookUrlError, type Resolver, type UrlPolicy } from './urlPolicy';
import { webhookHeaders } from './signing';

/** What one delivery needs; identical for direct and Service Bus delivery. */
export interface WebhookMessage {
  url: string;
  /** The serialised payload: these exact bytes are signed and sent on every attempt. */
  body: string;
  webhookId: string;
  secret?: string;
}

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** The seed: 200, 201 or 202 is success; anything else (204 and 3xx included) retries. */
const SUCCESS = new Set([200, 201, 202]);
const MAX_RESPONSE_BYTES = 4096;

export class WebhookSender {
  private readonly agent: Agent;

  constructor(
    private readonly policy: UrlPolicy,
    private readonly timeoutMs: number,
    resolver: Resolver = systemResolver,
  ) {
    // The socket connects to the address this lookup checked: no second DNS query to rebind.
    const lookup: LookupFunction = (hostname, options, callback) => {
      resolveTarget(new URL(`http://${hostname.includes(':') ? `[${hostname}]` : hostname}`), policy, resolver).then(
        ({ address, family }) =>
          options.all ? (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]) : callback(null, address, family),
        (e: Error) => callback(e as NodeJS.ErrnoException, '', 0),
      );
    };
    this.agent = new Agent({ connect: { lookup, timeout: timeoutMs }, keepAliveTimeout: 10_000 });
  }

  /** One signed POST. Never throws: the outcome is returned for the caller to record. */
  async send(message: WebhookMessage): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const url = parseWebhookUrl(message.url, this.policy);
      const response = await request(url, {
        method: 'POST',
        body: message.body,
        headers: webhookHeaders(message.body, message.webhookId, message.secret, new Date()),
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      await response.body.dump({ limit: MAX_RESPONSE_BYTES });
      const ok = SUCCESS.has(response.statusCode);
      return { ok, statusCode: response.statusCode, error: ok ? null : `HTTP ${response.statusCode}`, durationMs: elapsed() };
    } catch (e) {
      return { ok: false, statusCode: null, error: describe(e, this.timeoutMs), durationMs: elapsed() };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function describe(e: unknown, timeoutMs: number): string {
  const error = e as Error & { code?: string; cause?: Error & { code?: string } };
  if (error.name === 'TimeoutError' || error.name === 'AbortError' || error.code === 'UND_ERR_HEADERS_TIMEOUT' || error.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `timeout after ${timeoutMs} ms`;
  }
  if (e instanceof WebhookUrlError) return `blocked: ${e.message}`;
  const cause = error.cause instanceof WebhookUrlError ? `blocked: ${error.cause.message}` : error.cause?.message;
  return [error.code, error.message, cause].filter(Boolean).join(': ');
}
