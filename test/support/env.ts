import { inject } from 'vitest';

/**
 * Settings every test file starts from: Azurite for storage, local receivers allowed, a test
 * tenant key. Files that need other values change process.env and build their own app.
 */
process.env.AzureWebJobsStorage = inject('storageConnection');
process.env.WEBHOOK_ALLOW_HTTP = 'true';
process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS = 'true';
process.env.WEBHOOK_RETRY_DELAY = '0.05';
process.env.WEBHOOK_TIMEOUT_MS = '1000';
delete process.env.AZURE_SERVICE_BUS_CONNECTION_STRING;
delete process.env.MEMORY_STORAGE_CONNECTION;
