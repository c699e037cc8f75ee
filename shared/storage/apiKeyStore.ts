import { odata } from '@azure/data-tables';
import { findEntity, type Tables } from './tables';

export const API_KEY_TABLE = 'apikeys';
const PARTITION = 'key';

export interface ApiKeyRecord {
  keyHash: string;
  tenantId: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

/** API keys kept as SHA-256 hashes only; the plain key is shown once, when it is created. */
export class ApiKeyStore {
  constructor(private readonly tables: Tables) {}

  async add(record: ApiKeyRecord): Promise<void> {
    const table = await this.tables.table(API_KEY_TABLE);
    const { keyHash, revokedAt, ...rest } = record;
    await table.createEntity({ partitionKey: PARTITION, rowKey: keyHash, ...rest, ...(revokedAt ? { revokedAt } : {}) });
  }

  async find(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const table = await this.tables.table(API_KEY_TABLE);
    const entity = await findEntity(table, PARTITION, keyHash);
    return entity && toRecord(entity);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const table = await this.tables.table(API_KEY_TABLE);
    const records: ApiKeyRecord[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` } })) {
      records.push(toRecord(e));
    }
    return records;
  }

  /** Revokes every key whose hash starts with `hashPrefix` (the CLI shows 12-char prefixes). */
  async revoke(hashPrefix: string, at: string): Promise<ApiKeyRecord[]> {
    const table = await this.tables.table(API_KEY_TABLE);
    const matches = (await this.list()).filter((r) => r.keyHash.startsWith(hashPrefix) && !r.revokedAt);
    for (const r of matches) await table.updateEntity({ partitionKey: PARTITION, rowKey: r.keyHash, revokedAt: at }, 'Merge');
    return matches.map((r) => ({ ...r, revokedAt: at }));
  }
}

function toRecord(e: Record<string, unknown>): ApiKeyRecord {
  return {
    keyHash: e.rowKey as string,
    tenantId: e.tenantId as string,
    name: (e.name as string) ?? '',
    createdAt: e.createdAt as string,
    revokedAt: (e.revokedAt as string) ?? null,
  };
}
