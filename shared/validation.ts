import { z } from 'zod';
import { ApiError } from './errors';

export const MEMORY_TYPES = ['text', 'code_snippet', 'document'] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ValidationLimits {
  maxMemories: number;
  maxContentChars: number;
  maxMetadataChars: number;
  maxMetadataDepth: number;
}

/** A memory that passed validation, with the fields that mean something to this service. */
export interface ValidMemory {
  index: number;
  content: string;
  type: MemoryType;
  metadata?: { [key: string]: JsonValue };
  context?: { role: 'user' | 'assistant'; content: string }[];
  externalUserId?: string;
  userId?: string;
  namespaceId?: string;
}

export interface ItemError {
  index: number;
  error: string;
}

/**
 * Papr-compatible envelope. Fields the Papr SDK may send that mean nothing here (graph_generation,
 * memory_policy, policy, link_to, organization_id, ...) are accepted and ignored: z.object strips them.
 */
const idField = z.string().max(256).nullish();

export const batchRequestSchema = z.object({
  memories: z.array(z.unknown()).min(1, 'memories must contain at least one memory'),
  webhook_url: z.string().max(2048).nullish(),
  webhook_secret: z.string().min(1).max(1024).nullish(),
  user_id: idField,
  external_user_id: idField,
  namespace_id: idField,
  organization_id: idField,
  batch_size: z.number().int().min(1).nullish(),
});

export type BatchRequest = z.infer<typeof batchRequestSchema>;

export function parseContentType(header: string | null): void {
  const mediaType = (header ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json', {
      field: 'Content-Type',
      received: header ?? null,
    });
  }
}

/** Envelope checks: anything wrong here rejects the whole request before any item is looked at. */
export function parseBatchRequest(body: Buffer, limits: Pick<ValidationLimits, 'maxMemories'>): BatchRequest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new ApiError(400, 'invalid_json', 'Request body is not valid JSON', { reason: (e as Error).message });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ApiError(400, 'invalid_request', 'Request body must be a JSON object', { field: '(body)' });
  }
  const memories = (json as { memories?: unknown }).memories;
  if (Array.isArray(memories) && memories.length > limits.maxMemories) {
    throw new ApiError(413, 'too_many_memories', `A batch holds at most ${limits.maxMemories} memories`, {
      field: 'memories',
      received: memories.length,
      limit: limits.maxMemories,
    });
  }
  const parsed = batchRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
    throw new ApiError(400, 'invalid_request', `Invalid field ${issues[0].field}: ${issues[0].message}`, { issues });
  }
  return parsed.data;
}

type ItemResult = { ok: true; memory: ValidMemory } | { ok: false; error: string };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Depth of a JSON value, stopping once past the limit so hostile nesting stays cheap. */
function depthExceeds(value: unknown, limit: number, depth = 1): boolean {
  if (depth > limit) return true;
  const children = Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : [];
  return children.some((v) => typeof v === 'object' && v !== null && depthExceeds(v, limit, depth + 1));
}

function hasIllFormedString(value: unknown): boolean {
  if (typeof value === 'string') return !value.isWellFormed();
  if (Array.isArray(value)) return value.some(hasIllFormedString);
  if (isPlainObject(value)) return Object.entries(value).some(([k, v]) => !k.isWellFormed() || hasIllFormedString(v));
  return false;
}

const MISSING_CONTENT = 'Missing content';

/**
 * A free-form JSON field (metadata, context), checked on the value exactly as sent: zod's own
 * record copies would drop a "__proto__" key and with it what sits under it, so depth and size
 * limits could be bypassed. `shape` is what openapi.json shows for it. Null or absent is fine.
 */
function rawChecked(check: (value: unknown) => string | undefined, shape: Record<string, unknown>) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      const problem = value === undefined || value === null ? undefined : check(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta(shape)
    .optional();
}
const optionalId = (field: string) => z.string({ error: `Invalid ${field}` }).max(256, `Invalid ${field}`).nullish();

/**
 * One memory item. Each rule's message is the per-item error a client sees (the seed's wording
 * where it has one); the first failing rule, in field order, names the item's error. The same
 * schema generates the item in openapi.json. Unknown fields (Papr's graph and policy options)
 * are allowed and ignored.
 */
export function memoryItemSchema(limits: ValidationLimits) {
  return z.object(
    {
      content: z
        .string({ error: MISSING_CONTENT })
        .max(limits.maxContentChars, 'Content size exceeds limit')
        .refine((c) => c.trim() !== '', MISSING_CONTENT)
        .refine((c) => c.isWellFormed(), 'Content is not valid Unicode'),
      type: z.enum(MEMORY_TYPES, { error: 'Invalid memory type' }).nullish().describe('Defaults to text'),
      metadata: rawChecked(
        (metadata) => {
          if (!isPlainObject(metadata)) return 'Invalid metadata: must be an object';
          if (depthExceeds(metadata, limits.maxMetadataDepth)) return 'Metadata depth exceeds limit';
          if (hasIllFormedString(metadata)) return 'Metadata is not valid Unicode';
          if (JSON.stringify(metadata).length > limits.maxMetadataChars) return 'Metadata size exceeds limit';
          return undefined;
        },
        {
          type: 'object',
          additionalProperties: true,
          description: 'JSON object, e.g. { "topics": "product, planning" } or { "topics": ["product"], "customMetadata": {...} }',
        },
      ),
      context: rawChecked(
        (context) => {
          const valid = Array.isArray(context) && context.every((c) => isPlainObject(c) && (c.role === 'user' || c.role === 'assistant') && typeof c.content === 'string');
          if (!valid || hasIllFormedString(context)) return 'Invalid context';
          if (JSON.stringify(context).length > limits.maxContentChars) return 'Context size exceeds limit';
          return undefined;
        },
        {
          type: 'array',
          items: { type: 'object', properties: { role: { enum: ['user', 'assistant'] }, content: { type: 'string' } }, required: ['role', 'content'] },
        },
      ),
      external_user_id: optionalId('external_user_id'),
      user_id: optionalId('user_id'),
      namespace_id: optionalId('namespace_id'),
    },
    { error: 'Memory must be an object' },
  );
}

const itemSchemas = new WeakMap<ValidationLimits, ReturnType<typeof memoryItemSchema>>();

/** Item checks: a bad item becomes `{ index, error }` and the rest of the batch goes on. */
export function validateMemory(raw: unknown, index: number, limits: ValidationLimits): ItemResult {
  let schema = itemSchemas.get(limits);
  if (!schema) itemSchemas.set(limits, (schema = memoryItemSchema(limits)));
  const result = schema.safeParse(raw);
  if (!result.success) return { ok: false, error: result.error.issues[0].message };
  // Values are taken from the request as sent (zod's copies of records would turn a "__proto__" key into a prototype).
  const item = raw as Record<string, unknown>;
  const memory: ValidMemory = { index, content: item.content as string, type: (item.type ?? 'text') as MemoryType };
  if (isPlainObject(item.metadata)) memory.metadata = item.metadata as ValidMemory['metadata'];
  if (Array.isArray(item.context)) memory.context = item.context as ValidMemory['context'];
  if (typeof item.external_user_id === 'string') memory.externalUserId = item.external_user_id;
  if (typeof item.user_id === 'string') memory.userId = item.user_id;
  if (typeof item.namespace_id === 'string') memory.namespaceId = item.namespace_id;
  return { ok: true, memory };
}

export function validateMemories(items: unknown[], limits: ValidationLimits): { valid: ValidMemory[]; errors: ItemError[] } {
  const valid: ValidMemory[] = [];
  const errors: ItemError[] = [];
  items.forEach((raw, index) => {
    const result = validateMemory(raw, index, limits);
    if (result.ok) valid.push(result.memory);
    else errors.push({ index, error: result.error });
  });
  return { valid, errors };
}
