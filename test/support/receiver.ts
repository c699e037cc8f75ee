import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface Captured {
  body: string;
  headers: IncomingHttpHeaders;
  at: number;
}

/** What the receiver does with one request: answer with a status, or misbehave. */
export type Behaviour = number | 'hang' | 'reset' | { redirect: string; status?: number };

/** A fixed behaviour, or one chosen per request (e.g. at random). */
export type Fallback = Behaviour | (() => Behaviour);

/**
 * A real webhook receiver on 127.0.0.1. It captures each request's raw body and headers and
 * answers with the next scripted behaviour (then `fallback`).
 */
export class Receiver {
  readonly requests: Captured[] = [];
  /** What each request got, in arrival order. */
  readonly answered: Behaviour[] = [];
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private waiters: (() => void)[] = [];
  url = '';

  constructor(
    private script: Behaviour[] = [],
    private fallback: Fallback = 200,
  ) {}

  private port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, at: Date.now() });
        this.waiters.forEach((w) => w());
        const behaviour = this.script.shift() ?? (typeof this.fallback === 'function' ? this.fallback() : this.fallback);
        this.answered.push(behaviour);
        if (behaviour === 'hang') return;
        if (behaviour === 'reset') return req.socket.destroy();
        if (typeof behaviour === 'object') return res.writeHead(behaviour.status ?? 301, { location: behaviour.redirect }).end();
        res.writeHead(behaviour, { 'content-type': 'text/plain' }).end(behaviour < 300 ? 'ok' : 'nope');
      });
    });
    this.server.on('connection', (s) => (this.sockets.add(s), s.on('close', () => this.sockets.delete(s))));
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    this.url = `http://127.0.0.1:${this.port}/webhook`;
    return this;
  }

  /** Goes down (connections refused) for `ms`, then listens again on the same port. */
  async outage(ms: number): Promise<void> {
    await this.stop();
    await new Promise((r) => setTimeout(r, ms));
    await this.start();
  }

  setScript(script: Behaviour[], fallback: Fallback = this.fallback): void {
    this.script = script;
    this.fallback = fallback;
  }

  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<Captured[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`receiver got ${this.requests.length} of ${count} requests`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
      this.waiters = [];
    }
    return this.requests;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
