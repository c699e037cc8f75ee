import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
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

/** Parsed, policy-checked targets by URL: most batches of a client notify the same endpoint. */
const MAX_CACHED_TARGETS = 1000;

export class WebhookSender {
  private readonly agent: Agent;
  private readonly targets = new Map<string, { origin: string; path: string }>();

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
      const { origin, path } = this.target(message.url);
      const body = Buffer.from(message.body, 'utf8'); // encoded once: signed twice, sent as is
      // Straight to the agent with origin and path: undici's request(url) would parse the URL again.
      const response = await this.agent.request({
        origin,
        path,
        method: 'POST',
        body,
        headers: webhookHeaders(body, message.webhookId, message.secret, new Date()),
        // undici's own timers, not an AbortSignal per request (that halved throughput): the
        // connection, the response headers, and any pause in the (4 KB at most) body each get
        // WEBHOOK_TIMEOUT_MS.
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

  /** The URL's origin and path after the syntax and literal-address checks (addresses a name resolves to are checked at connect). */
  private target(raw: string): { origin: string; path: string } {
    let target = this.targets.get(raw);
    if (!target) {
      const url = parseWebhookUrl(raw, this.policy);
      target = { origin: url.origin, path: `${url.pathname}${url.search}` };
      if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
      this.targets.set(raw, target);
    }
    return target;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function describe(e: unknown, timeoutMs: number): string {
  const error = e as Error & { code?: string; cause?: Error & { code?: string } };
  if (['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'].includes(error.code ?? '')) {
    return `timeout after ${timeoutMs} ms`;
  }
  if (e instanceof WebhookUrlError) return `blocked: ${e.message}`;
  const cause = error.cause instanceof WebhookUrlError ? `blocked: ${error.cause.message}` : error.cause?.message;
  return [error.code, error.message, cause].filter(Boolean).join(': ');
}
