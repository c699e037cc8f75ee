import type { Telemetry } from './telemetry';

type Properties = Record<string, string | number | boolean | null>;

function asStrings(properties: Properties): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/**
 * Application Insights (applicationinsights v3, OpenTelemetry-based). Required only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set, so a cold start without it loads none of its
 * OpenTelemetry tree. The host already records requests and console output; this sends the
 * app's custom events and metrics. With `Authorization=AAD` in
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING (local auth disabled), it signs in with managed identity.
 */
export function appInsightsTelemetry(connectionString: string, authentication: string | undefined): Telemetry {
  const ai = require('applicationinsights') as typeof import('applicationinsights');
  ai.setup(connectionString).setAutoCollectConsole(false).setAutoCollectRequests(false);
  if (authentication?.includes('Authorization=AAD')) {
    const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
    ai.defaultClient.config.aadTokenCredential = new DefaultAzureCredential();
  }
  ai.start();
  const client = ai.defaultClient;
  return {
    event: (name, properties) => client.trackEvent({ name, properties: asStrings(properties) }),
    metric: (name, value, properties) => client.trackMetric({ name, value, properties }),
  };
}
