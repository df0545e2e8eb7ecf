// Schema validation of Kubernetes objects by kubernetes-models (the Prometheus operator's CRDs are
// left to monitoring.ts), plus the misspelt pod, container and probe fields it lets through.
import { id, type Obj, strip, WORKLOADS } from './objects.ts';

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

/** Schema validation by kubernetes-models; CRDs of the Prometheus operator are checked by hand. */
export async function validateSchemas(docs: Obj[]): Promise<string[]> {
  const problems: string[] = [];
  for (const doc of docs) {
    if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
      problems.push(`${doc.__source}: a document without apiVersion/kind`);
      continue;
    }
    if (doc.apiVersion.startsWith(CRD_GROUP)) continue;
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
