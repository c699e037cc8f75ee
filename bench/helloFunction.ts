import { app } from '@azure/functions';

/** The cold-start baseline: the smallest useful @azure/functions module. */
app.http('hello', { methods: ['GET'], authLevel: 'anonymous', handler: async () => ({ body: 'hello' }) });
