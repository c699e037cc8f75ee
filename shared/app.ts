import { Authenticator } from './auth';
import type { ProcessorDeps } from './batchProcessor';
import { DeadLetters } from './serviceBus/deadLetters';
import type { ServiceBusPort } from './serviceBus/port';
import { QueueDelivery } from './serviceBus/queueDelivery';
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
  /** Present in Service Bus mode only. */
  serviceBus?: { port: ServiceBusPort; delivery: QueueDelivery; deadLetters: DeadLetters; secretKey: Buffer };
}

/** What a test may swap: where logs go, what telemetry records, how host names resolve. */
export interface AppOverrides {
  logSink?: LogSink;
  telemetry?: Telemetry;
  resolver?: Resolver;
  /** Tests replace the real Service Bus, which cannot run on build machines, with an in-memory one. */
  serviceBusPort?: ServiceBusPort;
}

export function createApp(s: Settings, overrides: AppOverrides = {}): App {
  const logger = createLogger(s.logLevel, overrides.logSink);
  const telemetry =
    overrides.telemetry ??
    (s.appInsights
      ? (require('./appInsights') as typeof import('./appInsights')).appInsightsTelemetry(s.appInsights.connectionString, s.appInsights.authentication)
      : noTelemetry);
  const resolver = overrides.resolver ?? systemResolver;
  const tables = new Tables(s.storage);
  const batches = new BatchStore(tables);
  const memories = new MemoryStore(tables);
  const apiKeys = new ApiKeyStore(tables);
  const urlPolicy = { allowHttp: s.webhook.allowHttp, allowPrivateNetworks: s.webhook.allowPrivateNetworks };
  const delivery: DeliveryDeps = { sender: new WebhookSender(urlPolicy, s.webhook.timeoutMs, resolver), batches, logger, telemetry };
  const direct = new DirectDelivery(delivery, s.webhook.maxRetries, s.webhook.retryDelaySeconds, s.webhook.maxRetryDelaySeconds);
  const serviceBus = s.serviceBus ? serviceBusServices(s, delivery, batches, overrides.serviceBusPort) : undefined;
  return {
    serviceBus,
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
      delivery: serviceBus ? { mode: 'service_bus', maxAttempts: serviceBus.delivery.maxAttempts } : { mode: 'direct', maxAttempts: direct.maxAttempts },
    },
  };
}

function serviceBusServices(s: Settings, delivery: DeliveryDeps, batches: BatchStore, override?: ServiceBusPort): NonNullable<App['serviceBus']> {
  const sb = s.serviceBus as NonNullable<Settings['serviceBus']>;
  const secretKey = s.webhook.secretEncryptionKey as Buffer;
  // Required lazily: direct mode never loads the Service Bus SDK, keeping cold starts short.
  const port = override ?? new (require('./serviceBus/azureServiceBus') as typeof import('./serviceBus/azureServiceBus')).AzureServiceBusPort(sb, sb.queueName);
  return {
    port,
    secretKey,
    delivery: new QueueDelivery(delivery, port, {
      secretKey,
      maxRetries: s.webhook.serviceBusMaxRetries,
      baseDelaySeconds: s.webhook.retryDelaySeconds,
      capSeconds: s.webhook.maxRetryDelaySeconds,
    }),
    deadLetters: new DeadLetters(port, batches),
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
