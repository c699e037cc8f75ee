import { RestError, TableClient } from '@azure/data-tables';
import type { PipelineRequest, SendRequest } from '@azure/core-rest-pipeline';
import type { StorageTarget } from '../settings';

/**
 * One place that opens Table Storage clients. Every client shares a request counter, so tests and
 * the benchmark can say how many storage round trips a batch took.
 */
export class Tables {
  private readonly clients = new Map<string, Promise<TableClient>>();
  requestCount = 0;

  constructor(private readonly target: StorageTarget) {}

  /** The client for `name`, creating the table on first use (Azurite starts empty). */
  table(name: string): Promise<TableClient> {
    let client = this.clients.get(name);
    if (!client) {
      client = this.open(name);
      client.catch(() => this.clients.delete(name));
      this.clients.set(name, client);
    }
    return client;
  }

  private async open(name: string): Promise<TableClient> {
    const options = {
      additionalPolicies: [
        {
          position: 'perCall' as const,
          policy: { name: 'countRequests', sendRequest: (request: PipelineRequest, next: SendRequest) => ((this.requestCount += 1), next(request)) },
        },
      ],
    };
    let client: TableClient;
    if ('connectionString' in this.target) {
      client = TableClient.fromConnectionString(this.target.connectionString, name, { ...options, allowInsecureConnection: isLocalEmulator(this.target.connectionString) });
    } else {
      // Managed identity (AZURE_CLIENT_ID picks a user-assigned one); loaded only on this path.
      const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
      client = new TableClient(`https://${this.target.accountName}.table.core.windows.net`, name, new DefaultAzureCredential(), options);
    }
    try {
      await client.createTable();
    } catch (e) {
      if (!(e instanceof RestError && e.statusCode === 409)) throw e;
    }
    return client;
  }
}

function isLocalEmulator(connectionString: string): boolean {
  return /UseDevelopmentStorage=true|DefaultEndpointsProtocol=http;|=http:\/\/(127\.0\.0\.1|localhost)/i.test(connectionString);
}

function isNotFound(e: unknown): boolean {
  return e instanceof RestError && e.statusCode === 404;
}

/** A point read that answers undefined for a missing entity instead of throwing. */
export async function findEntity<T extends object = Record<string, unknown>>(table: TableClient, partitionKey: string, rowKey: string) {
  try {
    return await table.getEntity<T>(partitionKey, rowKey);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export function isConflict(e: unknown): boolean {
  return e instanceof RestError && (e.statusCode === 409 || e.statusCode === 412);
}

/**
 * A Table Storage string property holds 64 KiB (32K UTF-16 units). Lists such as a 1,000-id
 * `memory_ids` outgrow that, so JSON values are spread over `<name>_0`, `<name>_1`, ...
 */
const PART_CHARS = 30_000;

export function packJson(name: string, value: unknown): Record<string, string | number> {
  const json = JSON.stringify(value);
  const parts: Record<string, string | number> = {};
  let count = 0;
  let start = 0;
  do {
    let end = Math.min(start + PART_CHARS, json.length);
    // Never split a surrogate pair across two properties.
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    parts[`${name}_${count}`] = json.slice(start, end);
    count += 1;
    start = end;
  } while (start < json.length);
  parts[`${name}_parts`] = count;
  return parts;
}

export function unpackJson<T>(entity: Record<string, unknown>, name: string): T | undefined {
  const count = entity[`${name}_parts`];
  if (typeof count !== 'number') return undefined;
  let json = '';
  for (let i = 0; i < count; i += 1) json += entity[`${name}_${i}`] as string;
  return JSON.parse(json) as T;
}
