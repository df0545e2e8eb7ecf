// YAML documents as plain objects, and the small Kubernetes helpers every check uses: an object's
// name for messages, label selectors, resource quantities.
import { parseAllDocuments } from 'yaml';

export type Obj = Record<string, any>;

export const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** Every non-empty document of `text`, each tagged with `__source` (where it came from, for messages). */
export function parseYamlDocs(text: string, source: string): { docs: Obj[]; errors: string[] } {
  const docs: Obj[] = [];
  const errors: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      errors.push(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    const value = doc.toJS();
    if (value == null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push(`${source}: a document is not a mapping`);
      continue;
    }
    docs.push({ ...value, __source: source });
  }
  return { docs, errors };
}

export const id = (o: Obj) => `${o.kind}/${o.metadata?.name ?? '?'}`;
/** The object without the `__source` tag. */
export const strip = (o: Obj) => {
  const { __source: _s, ...rest } = o;
  return rest;
};

export function matches(selector: Obj | undefined, labels: Obj | undefined): boolean {
  if (!selector) return false;
  const ml = selector.matchLabels ?? selector;
  const entries = Object.entries(ml);
  if (entries.length === 0 && !selector.matchExpressions) return true;
  return entries.every(([k, v]) => labels?.[k] === v);
}

/** Kubernetes quantities to numbers (cores, bytes), for requests <= limits. */
export function quantity(q: unknown): number {
  const s = String(q);
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(s);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  const units: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
  };
  const unit = units[m[2]!];
  return unit === undefined ? Number.NaN : n * unit;
}
