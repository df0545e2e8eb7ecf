// Schema validation of Kubernetes objects by kubernetes-models (the Prometheus operator's CRDs are
// left to monitoring.ts), the Gateway API's HTTPRoute and the operators' custom resources of the
// production example by JSON schema (ajv), plus the misspelt pod, container and probe fields
// kubernetes-models lets through.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { id, type Obj, strip, WORKLOADS } from './objects.ts';
import { repoRoot } from './repo.ts';

const modelCache = new Map<string, Obj>();
async function modelClass(apiVersion: string, kind: string): Promise<any> {
  if (!modelCache.has(apiVersion)) {
    try {
      modelCache.set(apiVersion, await import(`kubernetes-models/${apiVersion}`));
    } catch {
      modelCache.set(apiVersion, {});
    }
  }
  return modelCache.get(apiVersion)![kind];
}

const CRD_GROUP = 'monitoring.coreos.com/';

/**
 * The HTTPRoute fields the chart renders, as gateway.networking.k8s.io/v1 (Gateway API v1.2,
 * config/crd/standard/gateway.networking.k8s.io_httproutes.yaml) declares them: limits, patterns and
 * enums copied from there; unknown fields refused (the API server prunes them silently).
 */
const HTTP_ROUTE_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'gateway.networking.k8s.io/v1' },
    kind: { const: 'HTTPRoute' },
    metadata: { type: 'object', required: ['name'] },
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        parentRefs: {
          type: 'array',
          maxItems: 32,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              group: {
                type: 'string',
                maxLength: 253,
                pattern: '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
              },
              kind: {
                type: 'string',
                minLength: 1,
                maxLength: 63,
                pattern: '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$',
              },
              namespace: {
                type: 'string',
                minLength: 1,
                maxLength: 63,
                pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
              },
              name: { type: 'string', minLength: 1, maxLength: 253 },
              sectionName: {
                type: 'string',
                minLength: 1,
                maxLength: 253,
                pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
              },
              port: { type: 'integer', minimum: 1, maximum: 65535 },
            },
          },
        },
        hostnames: {
          type: 'array',
          maxItems: 16,
          items: {
            type: 'string',
            minLength: 1,
            maxLength: 253,
            pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
          },
        },
        rules: {
          type: 'array',
          maxItems: 16,
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              matches: {
                type: 'array',
                maxItems: 64,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  properties: {
                    path: {
                      type: 'object',
                      additionalProperties: false,
                      properties: {
                        type: { enum: ['Exact', 'PathPrefix', 'RegularExpression'] },
                        value: { type: 'string', maxLength: 1024, pattern: '^/' },
                      },
                    },
                  },
                },
              },
              backendRefs: {
                type: 'array',
                maxItems: 16,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['name'],
                  properties: {
                    group: { type: 'string' },
                    kind: { type: 'string' },
                    name: { type: 'string', minLength: 1, maxLength: 253 },
                    namespace: { type: 'string' },
                    port: { type: 'integer', minimum: 1, maximum: 65535 },
                    weight: { type: 'integer', minimum: 0, maximum: 1000000 },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const ajv = new Ajv({ strict: false, allErrors: true });
const validateHttpRoute = ajv.compile(HTTP_ROUTE_SCHEMA);

/** The vendored openAPIV3Schema of each custom resource (charts/examples/crds/*.json: `group/version Kind`). */
const CRD_DIR = path.join(repoRoot, 'charts/examples/crds');
const crdValidators = new Map<string, ReturnType<Ajv['compile']>>();
function crdValidator(apiVersion: string, kind: string): ReturnType<Ajv['compile']> | undefined {
  const key = `${apiVersion} ${kind}`;
  if (!crdValidators.has(key) && fs.existsSync(CRD_DIR)) {
    for (const f of fs.readdirSync(CRD_DIR).filter((x) => x.endsWith('.json'))) {
      const vendored = JSON.parse(fs.readFileSync(path.join(CRD_DIR, f), 'utf8'));
      if (`${vendored.apiVersion} ${vendored.kind}` === key)
        crdValidators.set(
          key,
          new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
            strictStructural(vendored.openAPIV3Schema),
          ),
        );
    }
  }
  return crdValidators.get(key);
}
/**
 * A CRD's structural schema as the API server applies it: an object's fields are the ones it lists
 * (kubectl's strict field validation refuses others) unless it preserves unknown fields or is a map.
 */
function strictStructural(schema: Obj): Obj {
  if (Array.isArray(schema)) return schema.map(strictStructural);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) out[k] = typeof v === 'object' ? strictStructural(v) : v;
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    !out['x-kubernetes-preserve-unknown-fields']
  )
    out.additionalProperties = false;
  return out;
}

/** The vendored CRD schemas, for the report. */
export const vendoredCrds = (): Obj[] =>
  fs.existsSync(CRD_DIR)
    ? fs
        .readdirSync(CRD_DIR)
        .filter((x) => x.endsWith('.json'))
        .map((f) => JSON.parse(fs.readFileSync(path.join(CRD_DIR, f), 'utf8')))
    : [];

const ajvProblems = (errors: Obj[] | null | undefined) =>
  (errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`,
    )
    .join('; ');

/** Schema validation by kubernetes-models; CRDs of the Prometheus operator are checked by hand. */
export async function validateSchemas(docs: Obj[]): Promise<string[]> {
  const problems: string[] = [];
  for (const doc of docs) {
    if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
      problems.push(`${doc.__source}: a document without apiVersion/kind`);
      continue;
    }
    if (doc.apiVersion.startsWith(CRD_GROUP)) continue;
    if (doc.kind === 'HTTPRoute' && doc.apiVersion.startsWith('gateway.networking.k8s.io/')) {
      if (!validateHttpRoute(strip(doc)))
        problems.push(`${id(doc)} (${doc.__source}): ${ajvProblems(validateHttpRoute.errors)}`);
      continue;
    }
    const crd = crdValidator(doc.apiVersion, doc.kind);
    if (crd) {
      if (!crd(strip(doc))) problems.push(`${id(doc)} (${doc.__source}): ${ajvProblems(crd.errors)}`);
      continue;
    }
    const Model = await modelClass(doc.apiVersion, doc.kind);
    if (!Model) {
      problems.push(`${id(doc)} (${doc.__source}): kubernetes-models knows no ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    try {
      new Model(strip(doc)).validate();
    } catch (err: any) {
      const details = Array.isArray(err?.errors)
        ? err.errors.map((e: any) => `${e.instancePath || '/'} ${e.message}`).join('; ')
        : String(err?.message ?? err);
      problems.push(`${id(doc)} (${doc.__source}): ${details}`);
    }
  }
  return problems;
}

// Fields kubernetes-models does not reject when misspelt; the ones that matter are listed here.
const words = (s: string) => new Set(s.trim().split(/\s+/));
const CONTAINER_KEYS = words(`
  name image command args workingDir ports envFrom env resources resizePolicy restartPolicy volumeMounts
  volumeDevices livenessProbe readinessProbe startupProbe lifecycle terminationMessagePath
  terminationMessagePolicy imagePullPolicy securityContext stdin stdinOnce tty`);
const POD_SPEC_KEYS = words(`
  volumes initContainers containers ephemeralContainers restartPolicy terminationGracePeriodSeconds
  activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName serviceAccount automountServiceAccountToken
  nodeName hostNetwork hostPID hostIPC shareProcessNamespace securityContext imagePullSecrets hostname
  subdomain affinity schedulerName tolerations hostAliases priorityClassName priority dnsConfig
  readinessGates runtimeClassName enableServiceLinks preemptionPolicy overhead topologySpreadConstraints
  setHostnameAsFQDN os hostUsers schedulingGates resourceClaims resources hostnameOverride`);
const PROBE_KEYS = words(`
  exec httpGet tcpSocket grpc initialDelaySeconds timeoutSeconds periodSeconds successThreshold
  failureThreshold terminationGracePeriodSeconds`);

export function unknownFields(o: Obj): string[] {
  const problems: string[] = [];
  if (!WORKLOADS.has(o.kind)) return problems;
  const spec = o.spec?.template?.spec ?? {};
  for (const k of Object.keys(spec))
    if (!POD_SPEC_KEYS.has(k)) problems.push(`${id(o)}: unknown pod field ${k}`);
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const k of Object.keys(c))
      if (!CONTAINER_KEYS.has(k)) problems.push(`${id(o)}/${c.name}: unknown field ${k}`);
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      for (const k of Object.keys(c[p] ?? {}))
        if (!PROBE_KEYS.has(k)) problems.push(`${id(o)}/${c.name}: unknown ${p} field ${k}`);
    }
  }
  return problems;
}
