import { Authenticator } from './auth';
import type { ProcessorDeps } from './batchProcessor';
import { createLogger, type Logger, type LogSink } from './log';
import { settings as loadSettings, type Settings } from './settings';
import { ApiKeyStore } from './storage/apiKeyStore';
import { BatchStore } from './storage/batchStore';
import { IdempotencyStore } from './storage/idempotencyStore';
import { MemoryStore } from './storage/memoryStore';
import { Tables } from './storage/tables';
import { noTelemetry, type Telemetry } from './telemetry';
import { DirectDelivery, type DeliveryDeps } from './webhook/delivery';
import { WebhookSender } from './webhook/sender';
import { systemResolver, type Resolver } from './webhook/urlPolicy';

/** The composition root: every long-lived service, built once per process from the settings. */
export interface App {
  settings: Settings;
  logger: Logger;
  telemetry: Telemetry;
  tables: Tables;
  memories: MemoryStore;
  batches: BatchStore;
  apiKeys: ApiKeyStore;
  auth: Authenticator;
  delivery: DeliveryDeps;
  direct: DirectDelivery;
  processor: ProcessorDeps;
}

/** What a test may swap: where logs go, what telemetry records, how host names resolve. */
export interface AppOverrides {
  logSink?: LogSink;
  telemetry?: Telemetry;
  resolver?: Resolver;
}

export function createApp(s: Settings, overrides: AppOverrides = {}): App {
  const logger = createLogger(s.logLevel, overrides.logSink);
  const telemetry = overrides.telemetry ?? noTelemetry;
  const resolver = overrides.resolver ?? systemResolver;
  const tables = new Tables(s.storageConnection);
  const batches = new BatchStore(tables);
  const memories = new MemoryStore(tables);
  const apiKeys = new ApiKeyStore(tables);
  const urlPolicy = { allowHttp: s.webhook.allowHttp, allowPrivateNetworks: s.webhook.allowPrivateNetworks };
  const delivery: DeliveryDeps = { sender: new WebhookSender(urlPolicy, s.webhook.timeoutMs, resolver), batches, logger, telemetry };
  const direct = new DirectDelivery(delivery, s.webhook.maxRetries, s.webhook.retryDelaySeconds, s.webhook.maxRetryDelaySeconds);
  return {
    settings: s,
    logger,
    telemetry,
    tables,
    memories,
    batches,
    apiKeys,
    auth: new Authenticator(s.staticApiKeys, apiKeys),
    delivery,
    direct,
    processor: {
      limits: {
        maxMemories: s.batch.maxMemories,
        maxContentChars: s.memory.maxContentChars,
        maxMetadataChars: s.memory.maxMetadataChars,
        maxMetadataDepth: s.memory.maxMetadataDepth,
      },
      writeConcurrency: s.batch.writeConcurrency,
      urlPolicy,
      resolver,
      memories,
      batches,
      idempotency: new IdempotencyStore(tables),
      telemetry,
      logger,
      delivery: s.serviceBus
        ? { mode: 'service_bus', maxAttempts: s.webhook.serviceBusMaxRetries + 1 }
        : { mode: 'direct', maxAttempts: s.webhook.maxRetries + 1 },
    },
  };
}

let current: App | undefined;

export function getApp(): App {
  current ??= createApp(loadSettings());
  return current;
}

/** Replaces the process's app (tests; the local host). Returns the new one. */
export function setApp(app: App): App {
  current = app;
  return app;
}
