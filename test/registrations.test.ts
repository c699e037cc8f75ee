import * as functions from '@azure/functions';
import { describe, expect, it, vi } from 'vitest';

/**
 * The Functions host is not here, so registration is checked at its source: each functions/*.ts
 * module hands its exported definitions to app.http / app.serviceBusQueue when it loads.
 */
describe('function registrations', () => {
  it('registers the HTTP API exactly as defined, with no Service Bus binding in direct mode', async () => {
    const http = vi.spyOn(functions.app, 'http').mockImplementation(() => undefined);
    const queue = vi.spyOn(functions.app, 'serviceBusQueue').mockImplementation(() => undefined);
    const modules = [await import('../functions/submitBatch'), await import('../functions/getBatchStatus'), await import('../functions/getMemory')];
    const definitions = modules.flatMap((m) => m.definitions);

    const registered = http.mock.calls.map(([name, options]) => ({
      name,
      route: options.route,
      methods: options.methods,
      authLevel: options.authLevel,
      extraOutputs: options.extraOutputs ?? [],
    }));
    expect(registered).toEqual([
      { name: 'submitBatch', route: 'v1/memory/batch', methods: ['POST'], authLevel: 'anonymous', extraOutputs: [] },
      { name: 'getBatchStatus', route: 'v1/memory/batch/status/{batch_id}', methods: ['GET'], authLevel: 'anonymous', extraOutputs: [] },
      { name: 'getBatch', route: 'v1/memory/batch/{batch_id}', methods: ['GET'], authLevel: 'anonymous', extraOutputs: [] },
      { name: 'getMemory', route: 'v1/memory/{memory_id}', methods: ['GET'], authLevel: 'anonymous', extraOutputs: [] },
    ]);
    // What was registered is the exported definition itself, handler included.
    expect(http.mock.calls.map(([, options]) => options)).toEqual(definitions.map((d) => d.options));
    expect(queue).not.toHaveBeenCalled();
  });
});
