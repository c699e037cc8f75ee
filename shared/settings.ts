import { z } from 'zod';
import { DEFAULT_QUEUE_NAME, SERVICE_BUS_CONNECTION_SETTING } from './mode';

/**
 * Every setting the app reads, parsed once from the environment (app settings in Azure,
 * local.settings.json under `func start`, process.env elsewhere). Names and defaults follow
 * ../shared/seed/webhook-guide.md where it names them; the README documents each one.
 */

const bool = (name: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), {
      message: `${name} must be true or false`,
    })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const logLevels = { DEBUG: 10, INFO: 20, WARNING: 30, WARN: 30, ERROR: 40 } as const;

const schema = z
  .object({
    AzureWebJobsStorage: optionalText,
    MEMORY_STORAGE_CONNECTION: optionalText,
    MEMORY_STORAGE_ACCOUNT_NAME: optionalText,
    AzureWebJobsStorage__accountName: optionalText,
    BATCH_MAX_MEMORIES: int(1, 10_000).default(1000),
    // The Functions host itself refuses bodies over 100 MB.
    BATCH_MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(10 * 1024 * 1024),
    // A Table Storage string property holds at most 32K UTF-16 code units; 15000 is Papr's own limit.
    MEMORY_MAX_CONTENT_CHARS: int(1, 30_000).default(15_000),
    MEMORY_MAX_METADATA_CHARS: int(2, 30_000).default(16_000),
    MEMORY_MAX_METADATA_DEPTH: int(1, 20).default(5),
    STORAGE_WRITE_CONCURRENCY: int(1, 64).default(8),
    API_KEYS: optionalText,
    WEBHOOK_MAX_RETRIES: int(0, 10).default(3),
    WEBHOOK_RETRY_DELAY: z.coerce.number().min(0).max(3600).default(1.0),
    WEBHOOK_MAX_RETRY_DELAY: z.coerce.number().min(0).max(86_400).default(300),
    WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(5000),
    WEBHOOK_ALLOW_HTTP: bool('WEBHOOK_ALLOW_HTTP').default(false),
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool('WEBHOOK_ALLOW_PRIVATE_NETWORKS').default(false),
    WEBHOOK_SERVICE_BUS_MAX_RETRIES: int(0, 20).default(5),
    WEBHOOK_SECRET_ENCRYPTION_KEY: optionalText,
    AZURE_SERVICE_BUS_CONNECTION_STRING: optionalText,
    AZURE_SERVICE_BUS_CONNECTION_STRING__fullyQualifiedNamespace: optionalText,
    AZURE_SERVICE_BUS_QUEUE_NAME: z.string().trim().min(1).default(DEFAULT_QUEUE_NAME),
    LOG_LEVEL: z
      .string()
      .trim()
      .toUpperCase()
      .refine((v): v is keyof typeof logLevels => v in logLevels, {
        message: 'LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR',
      })
      .default('INFO'),
    APPLICATIONINSIGHTS_CONNECTION_STRING: optionalText,
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: optionalText,
  })
  .superRefine((s, ctx) => {
    if (!s.MEMORY_STORAGE_CONNECTION && !s.AzureWebJobsStorage && !s.MEMORY_STORAGE_ACCOUNT_NAME && !s.AzureWebJobsStorage__accountName) {
      ctx.addIssue({
        code: 'custom',
        path: ['MEMORY_STORAGE_CONNECTION'],
        message:
          'set MEMORY_STORAGE_CONNECTION or AzureWebJobsStorage (UseDevelopmentStorage=true for Azurite), or MEMORY_STORAGE_ACCOUNT_NAME for managed identity',
      });
    }
    const serviceBus = s.AZURE_SERVICE_BUS_CONNECTION_STRING ?? s.AZURE_SERVICE_BUS_CONNECTION_STRING__fullyQualifiedNamespace;
    if (serviceBus && !s.WEBHOOK_SECRET_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_SECRET_ENCRYPTION_KEY'],
        message: 'required when Service Bus delivery is on: webhook secrets are encrypted before they enter the queue',
      });
    }
    if (s.WEBHOOK_SECRET_ENCRYPTION_KEY && Buffer.from(s.WEBHOOK_SECRET_ENCRYPTION_KEY, 'base64').length !== 32) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_SECRET_ENCRYPTION_KEY'],
        message: 'must be 32 random bytes, base64-encoded (openssl rand -base64 32)',
      });
    }
  });

/** A storage connection string (keys, Azurite), or an account reached with managed identity. */
export type StorageTarget = { connectionString: string } | { accountName: string };

export interface Settings {
  storage: StorageTarget;
  batch: { maxMemories: number; maxBodyBytes: number; writeConcurrency: number };
  memory: { maxContentChars: number; maxMetadataChars: number; maxMetadataDepth: number };
  /** `API_KEYS`: `tenant:sha256hex` pairs, comma-separated. Only hashes, never keys. */
  staticApiKeys: Map<string, string>;
  webhook: {
    maxRetries: number;
    retryDelaySeconds: number;
    maxRetryDelaySeconds: number;
    timeoutMs: number;
    allowHttp: boolean;
    allowPrivateNetworks: boolean;
    serviceBusMaxRetries: number;
    secretEncryptionKey?: Buffer;
  };
  /** Set when Service Bus delivery is on (connection string or identity-based namespace). */
  serviceBus?: { connectionSetting: typeof SERVICE_BUS_CONNECTION_SETTING; connectionString?: string; fullyQualifiedNamespace?: string; queueName: string };
  logLevel: number;
  appInsights?: { connectionString: string; authentication?: string };
}

export class SettingsError extends Error {}

const apiKeyEntry = /^([A-Za-z0-9_.-]{1,64}):([0-9a-f]{64})$/;

function parseStaticApiKeys(raw: string | undefined): Map<string, string> {
  const byHash = new Map<string, string>();
  for (const entry of (raw ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = apiKeyEntry.exec(entry);
    if (!match) {
      throw new SettingsError(
        'Invalid settings: API_KEYS entries must look like tenant_id:<64 hex chars of sha256(key)> (npm run keys -- hash <key>)',
      );
    }
    byHash.set(match[2], match[1]);
  }
  return byHash;
}

export function parseSettings(env: Record<string, string | undefined>): Settings {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`);
    throw new SettingsError(`Invalid settings: ${problems.join('; ')}`);
  }
  const s = result.data;
  const sbConnectionString = s.AZURE_SERVICE_BUS_CONNECTION_STRING;
  const sbNamespace = s.AZURE_SERVICE_BUS_CONNECTION_STRING__fullyQualifiedNamespace;
  return {
    storage:
      s.MEMORY_STORAGE_CONNECTION || s.AzureWebJobsStorage
        ? { connectionString: (s.MEMORY_STORAGE_CONNECTION ?? s.AzureWebJobsStorage) as string }
        : { accountName: (s.MEMORY_STORAGE_ACCOUNT_NAME ?? s.AzureWebJobsStorage__accountName) as string },
    batch: { maxMemories: s.BATCH_MAX_MEMORIES, maxBodyBytes: s.BATCH_MAX_BODY_BYTES, writeConcurrency: s.STORAGE_WRITE_CONCURRENCY },
    memory: {
      maxContentChars: s.MEMORY_MAX_CONTENT_CHARS,
      maxMetadataChars: s.MEMORY_MAX_METADATA_CHARS,
      maxMetadataDepth: s.MEMORY_MAX_METADATA_DEPTH,
    },
    staticApiKeys: parseStaticApiKeys(s.API_KEYS),
    webhook: {
      maxRetries: s.WEBHOOK_MAX_RETRIES,
      retryDelaySeconds: s.WEBHOOK_RETRY_DELAY,
      maxRetryDelaySeconds: s.WEBHOOK_MAX_RETRY_DELAY,
      timeoutMs: s.WEBHOOK_TIMEOUT_MS,
      allowHttp: s.WEBHOOK_ALLOW_HTTP,
      allowPrivateNetworks: s.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      serviceBusMaxRetries: s.WEBHOOK_SERVICE_BUS_MAX_RETRIES,
      secretEncryptionKey: s.WEBHOOK_SECRET_ENCRYPTION_KEY ? Buffer.from(s.WEBHOOK_SECRET_ENCRYPTION_KEY, 'base64') : undefined,
    },
    serviceBus:
      sbConnectionString || sbNamespace
        ? {
            connectionSetting: SERVICE_BUS_CONNECTION_SETTING,
            connectionString: sbConnectionString,
            fullyQualifiedNamespace: sbNamespace,
            queueName: s.AZURE_SERVICE_BUS_QUEUE_NAME,
          }
        : undefined,
    logLevel: logLevels[s.LOG_LEVEL as keyof typeof logLevels],
    appInsights: s.APPLICATIONINSIGHTS_CONNECTION_STRING
      ? { connectionString: s.APPLICATIONINSIGHTS_CONNECTION_STRING, authentication: s.APPLICATIONINSIGHTS_AUTHENTICATION_STRING }
      : undefined,
  };
}

export const LOG_LEVELS = logLevels;

let cached: Settings | undefined;

/** The process-wide settings, parsed on first use; a bad value throws a SettingsError naming it. */
export function settings(): Settings {
  cached ??= parseSettings(process.env);
  return cached;
}
