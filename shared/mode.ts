/**
 * Which functions exist is decided when the function modules load, before any request. That
 * decision reads the environment directly: validating every setting with zod there would add about
 * 90 ms to each cold start. settings.ts validates the same values (at app start, see host.ts).
 */
export const SERVICE_BUS_CONNECTION_SETTING = 'AZURE_SERVICE_BUS_CONNECTION_STRING';
export const DEFAULT_QUEUE_NAME = 'batch-notifications';

export function serviceBusQueue(env: Record<string, string | undefined> = process.env): { queueName: string; connection: typeof SERVICE_BUS_CONNECTION_SETTING } | undefined {
  const configured = env[SERVICE_BUS_CONNECTION_SETTING]?.trim() || env[`${SERVICE_BUS_CONNECTION_SETTING}__fullyQualifiedNamespace`]?.trim();
  if (!configured) return undefined;
  return { queueName: env.AZURE_SERVICE_BUS_QUEUE_NAME?.trim() || DEFAULT_QUEUE_NAME, connection: SERVICE_BUS_CONNECTION_SETTING };
}
