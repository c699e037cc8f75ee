/**
 * Custom events and metrics. Properties carry ids, statuses and numbers only: never memory
 * content, webhook URLs' secrets or API keys.
 */
export type TelemetryEventName = 'BatchProcessed' | 'WebhookDelivered' | 'WebhookRetryScheduled' | 'WebhookFailed' | 'WebhookDeadLettered';

export interface Telemetry {
  event(name: TelemetryEventName, properties: Record<string, string | number | boolean | null>): void;
  metric(name: string, value: number, properties?: Record<string, string>): void;
}

export const noTelemetry: Telemetry = { event: () => undefined, metric: () => undefined };
