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

function optionalId(item: Record<string, unknown>, field: string): string | undefined | Error {
  const value = item[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > 256) return new Error(`Invalid ${field}`);
  return value;
}

/** Depth of a JSON value, stopping early once past the limit so hostile nesting stays cheap. */
function depthExceeds(value: unknown, limit: number, depth = 1): boolean {
  if (depth > limit) return true;
  if (Array.isArray(value)) return value.some((v) => typeof v === 'object' && v !== null && depthExceeds(v, limit, depth + 1));
  if (isPlainObject(value)) {
    return Object.values(value).some((v) => typeof v === 'object' && v !== null && depthExceeds(v, limit, depth + 1));
  }
  return false;
}

function hasIllFormedString(value: unknown): boolean {
  if (typeof value === 'string') return !value.isWellFormed();
  if (Array.isArray(value)) return value.some(hasIllFormedString);
  if (isPlainObject(value)) return Object.entries(value).some(([k, v]) => !k.isWellFormed() || hasIllFormedString(v));
  return false;
}

/** Item checks: a bad item becomes `{ index, error }` and the rest of the batch goes on. */
export function validateMemory(raw: unknown, index: number, limits: ValidationLimits): ItemResult {
  if (!isPlainObject(raw)) return { ok: false, error: 'Memory must be an object' };
  const { content, type = 'text', metadata, context } = raw;
  if (typeof content !== 'string' || content.trim() === '') return { ok: false, error: 'Missing content' };
  if (content.length > limits.maxContentChars) return { ok: false, error: 'Content size exceeds limit' };
  if (!content.isWellFormed()) return { ok: false, error: 'Content is not valid Unicode' };
  if (type !== null && !MEMORY_TYPES.includes(type as MemoryType)) return { ok: false, error: 'Invalid memory type' };

  const memory: ValidMemory = { index, content, type: (type ?? 'text') as MemoryType };
  if (metadata !== undefined && metadata !== null) {
    if (!isPlainObject(metadata)) return { ok: false, error: 'Invalid metadata: must be an object' };
    if (depthExceeds(metadata, limits.maxMetadataDepth)) return { ok: false, error: 'Metadata depth exceeds limit' };
    if (hasIllFormedString(metadata)) return { ok: false, error: 'Metadata is not valid Unicode' };
    if (JSON.stringify(metadata).length > limits.maxMetadataChars) return { ok: false, error: 'Metadata size exceeds limit' };
    memory.metadata = metadata as { [key: string]: JsonValue };
  }
  if (context !== undefined && context !== null) {
    const valid =
      Array.isArray(context) &&
      context.every((c) => isPlainObject(c) && (c.role === 'user' || c.role === 'assistant') && typeof c.content === 'string' && c.content.isWellFormed());
    if (!valid) return { ok: false, error: 'Invalid context' };
    if (JSON.stringify(context).length > limits.maxContentChars) return { ok: false, error: 'Context size exceeds limit' };
    memory.context = context as ValidMemory['context'];
  }
  for (const [field, key] of [
    ['external_user_id', 'externalUserId'],
    ['user_id', 'userId'],
    ['namespace_id', 'namespaceId'],
  ] as const) {
    const value = optionalId(raw, field);
    if (value instanceof Error) return { ok: false, error: value.message };
    if (value !== undefined) memory[key] = value;
  }
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
