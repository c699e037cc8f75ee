import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../scripts/azurite';
import { memoryId } from '../shared/ids';
import { call, KEY_A, useApp } from './support/harness';

/**
 * Property-based fuzzing of POST /v1/memory/batch through the real handler into Azurite.
 * Every answer must be 200/207, a 400 "All batch items failed" batch response, or a 4xx with the
 * JSON error shape: never a 5xx or a crash. For accepted batches, what is stored must be exactly
 * the valid items: each valid item under its id, and no row for an item reported as an error.
 */
const LIMITS = { maxContentChars: 200, maxMetadataChars: 500, maxMetadataDepth: 3, maxMemories: 20, maxBodyBytes: 16_384 };
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

// An oracle written apart from the service's validation, from the documented rules.
function depth(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  return 1 + Math.max(0, ...Object.values(v as object).map(depth));
}
const wellFormed = (v: unknown): boolean =>
  typeof v === 'string' ? v.isWellFormed() : Array.isArray(v) ? v.every(wellFormed) : typeof v === 'object' && v !== null ? Object.entries(v).every(([k, x]) => k.isWellFormed() && wellFormed(x)) : true;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalId = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.length <= 256);

function oracleValid(item: unknown): boolean {
  if (!isObject(item)) return false;
  const { content, type, metadata, context } = item;
  if (typeof content !== 'string' || content.trim() === '' || content.length > LIMITS.maxContentChars || !content.isWellFormed()) return false;
  if (type !== undefined && type !== null && !['text', 'code_snippet', 'document'].includes(type as string)) return false;
  if (metadata !== undefined && metadata !== null) {
    if (!isObject(metadata) || depth(metadata) > LIMITS.maxMetadataDepth || !wellFormed(metadata) || JSON.stringify(metadata).length > LIMITS.maxMetadataChars) return false;
  }
  if (context !== undefined && context !== null) {
    const ok = Array.isArray(context) && context.every((c) => isObject(c) && (c.role === 'user' || c.role === 'assistant') && typeof c.content === 'string') && wellFormed(context);
    if (!ok || JSON.stringify(context).length > LIMITS.maxContentChars) return false;
  }
  return optionalId(item.external_user_id) && optionalId(item.user_id) && optionalId(item.namespace_id);
}

const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const anyUnits = fc.string({ unit: 'binary', maxLength: 30 }); // includes lone surrogates
const tricky = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '\u0000', '\uFEFF', '😀', 'e\u0301');
const key = fc.oneof(text, tricky);
const jsonLeaf = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), anyUnits);
const metadata = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jsonLeaf, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 3 })),
})).value;
const deep = fc.integer({ min: 1, max: 40 }).map((n) => {
  let v: unknown = 'bottom';
  for (let i = 0; i < n; i += 1) v = i % 2 ? [v] : { nested: v };
  return v;
});

const validItem = fc.record(
  {
    content: fc.oneof(text.filter((s) => s.trim() !== ''), fc.constantFrom('Meeting notes', 'const x = 1;', '😀 unicode ✓')),
    type: fc.constantFrom('text', 'code_snippet', 'document', undefined, null),
    metadata: fc.option(fc.dictionary(key, jsonLeaf, { maxKeys: 4 }), { nil: undefined }),
    external_user_id: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
  },
  { requiredKeys: ['content'] },
);

// One field wrong: numbers where strings belong, oversize, unicode edge cases, deep nesting, ...
const nearValidItem = fc.tuple(validItem, fc.nat(11), anyUnits, metadata, deep).map(([item, which, junk, meta, nested]) => {
  const bad: Record<string, unknown> = { ...item };
  switch (which) {
    case 0: bad.content = 12345; break;
    case 1: bad.content = 'x'.repeat(LIMITS.maxContentChars + 1); break;
    case 2: bad.content = `${junk}\ud800`; break;
    case 3: bad.type = junk; break;
    case 4: bad.metadata = meta; break;
    case 5: bad.metadata = { deep: nested }; break;
    case 6: bad.metadata = [1, 2]; break;
    case 7: bad.context = [{ role: 'system', content: junk }]; break;
    case 8: bad.user_id = 42; break;
    case 9: delete bad.content; break;
    case 10: bad.content = '   '; break;
    default: return junk;
  }
  return bad;
});

const item = fc.oneof({ weight: 3, arbitrary: validItem }, { weight: 3, arbitrary: nearValidItem }, { weight: 1, arbitrary: metadata });

const validEnvelope = fc.record(
  {
    memories: fc.array(item, { minLength: 1, maxLength: 4 }),
    user_id: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
    namespace_id: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
    graph_generation: fc.option(metadata, { nil: undefined }),
  },
  { requiredKeys: ['memories'] },
);

const nearValidEnvelope = fc.tuple(validEnvelope, fc.nat(8), anyUnits, metadata).map(([env, which, junk, value]) => {
  const bad: Record<string, unknown> = { ...env };
  switch (which) {
    case 0: bad.memories = value; break;
    case 1: bad.memories = []; break;
    case 2: bad.memories = Array.from({ length: LIMITS.maxMemories + 1 }, () => ({ content: 'a' })); break;
    case 3: bad.webhook_url = junk; break;
    case 4: bad.webhook_secret = 7; break;
    case 5: bad.user_id = { nested: true }; break;
    case 6: delete bad.memories; break;
    case 7: bad.batch_size = 'ten'; break;
    default: return JSON.parse(`{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}, "memories": ${JSON.stringify(env.memories)}}`);
  }
  return bad;
});

/**
 * Azurite 3.37 cannot parse an entity-group transaction containing U+2028/U+2029 and then fails
 * every later transaction ("Transaction Overlap!"), which real Table Storage does not do. The
 * service still stores such items (its per-entity fallback; test/emulatorQuirks.test.ts), but each
 * later batch would wait out the SDK's retries, so the fuzz keeps those two characters out.
 */
const withoutLineSeparators = (body: string) => body.replace(/[\u2028\u2029]/g, ' ');

const anyBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 5, arbitrary: validEnvelope.map((b) => JSON.stringify(b)) },
  { weight: 3, arbitrary: nearValidEnvelope.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((n) => JSON.stringify({ memories: [{ content: 'y'.repeat(n * 10_000) }] })) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);
const bodies = anyBody.map((b) => (typeof b === 'string' ? withoutLineSeparators(b) : b));

describe('fuzzing POST /v1/memory/batch', () => {
  let app: ReturnType<typeof useApp>;
  let azurite: RunningAzurite;
  // Its own Azurite: ten thousand batches would slow the shared one for every other test file.
  beforeAll(async () => {
    azurite = await startAzurite();
    app = useApp({
      AzureWebJobsStorage: azurite.connectionString,
      MEMORY_MAX_CONTENT_CHARS: String(LIMITS.maxContentChars),
      MEMORY_MAX_METADATA_CHARS: String(LIMITS.maxMetadataChars),
      MEMORY_MAX_METADATA_DEPTH: String(LIMITS.maxMetadataDepth),
      BATCH_MAX_MEMORIES: String(LIMITS.maxMemories),
      BATCH_MAX_BODY_BYTES: String(LIMITS.maxBodyBytes),
    });
  }, 60_000);
  afterAll(() => azurite.stop());

  it(`answers ${RUNS} generated bodies with 2xx or a JSON 4xx, storing exactly the valid items`, async () => {
    const counts: Record<string, number> = {};
    console.log(`fuzz: seed ${SEED} (rerun: FUZZ_SEED=${SEED} npx vitest run test/fuzz.test.ts)`);
    try {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const res = await call('submitBatch', { headers: { 'content-type': 'application/json', 'x-api-key': KEY_A }, body: typeof body === 'string' ? body : Buffer.from(body) });
          counts[res.status] = (counts[res.status] ?? 0) + 1;
          expect(res.status).toBeLessThan(500);
          expect(res.status).toBeGreaterThanOrEqual(200);
          if (res.status >= 400 && !(res.status === 400 && res.body.status === 'error' && res.body.batch_id)) {
            expect(Object.keys(res.body)).toEqual(['error']);
            expect(typeof res.body.error.code).toBe('string');
            expect(typeof res.body.error.message).toBe('string');
            return;
          }
          const sent = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
          const items: unknown[] = sent.memories;
          const errorIndices = new Set(res.body.errors.filter((e: { index: number }) => e.index >= 0).map((e: { index: number }) => e.index));
          const validIndices = items.map((_, i) => i).filter((i) => !errorIndices.has(i));
          expect(items.map(oracleValid)).toEqual(items.map((_, i) => !errorIndices.has(i)));
          expect(res.body.memory_ids).toEqual(validIndices.map((i) => memoryId(res.body.batch_id, i)));
          for (const [i, raw] of items.entries()) {
            const stored = await app.memories.get('tenant-a', memoryId(res.body.batch_id, i));
            if (!validIndices.includes(i)) {
              expect(stored).toBeUndefined();
              continue;
            }
            const item = raw as Record<string, any>;
            expect(stored).toMatchObject({ content: item.content, type: item.type ?? 'text', batch_id: res.body.batch_id });
            expect(stored!.metadata).toEqual(item.metadata ?? null);
          }
        }),
        // A request that never answers fails the run with its body, instead of the test timing out.
        { numRuns: RUNS, seed: SEED, endOnFailure: true, timeout: 10_000 },
      );
    } catch (e) {
      throw new Error(`fuzz failed with seed ${SEED} (rerun: FUZZ_SEED=${SEED} npx vitest run test/fuzz.test.ts): ${(e as Error).message}`);
    }
    console.log(`fuzz: ${RUNS} bodies, seed ${SEED}, answers by status: ${JSON.stringify(counts)}`);
  }, 300_000);
});
