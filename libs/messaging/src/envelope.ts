// The one shape every event has on the wire. Ids are UUIDv7 so they sort by time (outbox order,
// inbox index locality) and are unique without coordination.
import { uuidv7 } from 'uuidv7';

export interface Envelope<T = unknown> {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  source: string;
  correlationId?: string;
  causationId?: string;
  data: T;
}

export function envelope<T>(
  type: string,
  data: T,
  meta: { source: string; correlationId?: string; causationId?: string; version?: number },
): Envelope<T> {
  const e: Envelope<T> = {
    id: uuidv7(),
    type,
    version: meta.version ?? 1,
    occurredAt: new Date().toISOString(),
    source: meta.source,
    data,
  };
  if (meta.correlationId !== undefined) e.correlationId = meta.correlationId;
  if (meta.causationId !== undefined) e.causationId = meta.causationId;
  return e;
}

export type ParsedEnvelope = { ok: true; envelope: Envelope } | { ok: false; reason: string; id?: string };

/** A UUID in its text form (the envelope's id; inbox and outbox ids are checked with it too). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses and checks the envelope itself; `data` is checked against its contract elsewhere. */
export function parseEnvelope(content: Buffer): ParsedEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `unparseable: ${(err as Error).message}` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'invalid envelope: not an object' };
  }
  const e = raw as Record<string, unknown>;
  const id = typeof e.id === 'string' ? e.id : undefined;
  const problems: string[] = [];
  if (!id || !UUID.test(id)) problems.push('id must be a UUID');
  if (typeof e.type !== 'string' || e.type === '') problems.push('type must be a non-empty string');
  if (!Number.isInteger(e.version) || (e.version as number) < 1)
    problems.push('version must be an integer >= 1');
  if (typeof e.occurredAt !== 'string' || Number.isNaN(Date.parse(e.occurredAt)))
    problems.push('occurredAt must be an ISO date-time');
  if (typeof e.source !== 'string' || e.source === '') problems.push('source must be a non-empty string');
  if (e.correlationId !== undefined && typeof e.correlationId !== 'string')
    problems.push('correlationId must be a string');
  if (e.causationId !== undefined && typeof e.causationId !== 'string')
    problems.push('causationId must be a string');
  if (!('data' in e)) problems.push('data is missing');
  if (problems.length > 0) return { ok: false, reason: `invalid envelope: ${problems.join('; ')}`, id };
  return { ok: true, envelope: e as unknown as Envelope };
}
