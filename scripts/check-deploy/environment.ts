// Each Deployment's environment against what the code says: the variables of the service's own
// config schema (services/<name>/src/config.ts), the ENV of the Dockerfile every image is built
// from, the chart's Secret, and the production rules of identity.
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Rendered } from './helm.ts';
import { id, type Obj } from './objects.ts';
import { DOCKERFILE, repoRoot } from './repo.ts';
import { expectNone, fail } from './report.ts';

interface ServiceCode {
  schema: Obj;
  imageEnv: Record<string, string>;
}
const serviceCodeCache = new Map<string, ServiceCode | null>();
async function serviceCode(name: string): Promise<ServiceCode | null> {
  if (serviceCodeCache.has(name)) return serviceCodeCache.get(name)!;
  const configFile = path.join(repoRoot, 'services', name, 'src/config.ts');
  if (!fs.existsSync(configFile)) {
    serviceCodeCache.set(name, null);
    return null;
  }
  const mod: Obj = await import(pathToFileURL(configFile).href);
  const schema = Object.entries(mod).find(
    ([k, v]) => /configSchema$/i.test(k) && v && typeof v === 'object' && 'properties' in v,
  )?.[1];
  const imageEnv: Record<string, string> = {};
  if (fs.existsSync(DOCKERFILE)) {
    for (const m of fs.readFileSync(DOCKERFILE, 'utf8').matchAll(/^ENV\s+([A-Z0-9_]+)[=\s]"?([^"\n]*)"?$/gm))
      imageEnv[m[1]!] = m[2]!.trim();
  }
  const code = schema ? { schema, imageEnv } : null;
  serviceCodeCache.set(name, code);
  return code;
}

// Process-level variables read by Node or the OpenTelemetry SDK, not by a service's config schema.
const RUNTIME_ENV = /^(NODE_ENV|NODE_OPTIONS|OTEL_[A-Z_]+|TZ)$/;

export async function checkEnvironment(render: Rendered): Promise<void> {
  const { loadConfig } = await import('@mercato/kit');
  const identityConfig: Obj = await import(
    pathToFileURL(path.join(repoRoot, 'services/identity/src/config.ts')).href
  );
  const secrets = new Map<string, Record<string, string>>();
  for (const s of render.docs.filter((d) => d.kind === 'Secret')) {
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.data ?? {}))
      data[k] = Buffer.from(String(v), 'base64').toString('utf8');
    for (const [k, v] of Object.entries(s.stringData ?? {})) data[k] = String(v);
    secrets.set(s.metadata.name, data);
  }
  for (const d of render.docs.filter((x) => x.kind === 'Deployment')) {
    const name = d.metadata?.labels?.['app.kubernetes.io/name'];
    const code = await serviceCode(name);
    if (!code) {
      fail(`${id(d)}: no services/${name}/src/config.ts exporting a config schema`);
      continue;
    }
    // Each container on its own: the migrate init container runs the same code with its own env.
    const pod = d.spec.template.spec;
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const where = c.name === name ? id(d) : `${id(d)}/${c.name}`;
      expectNone(
        `${render.label}: ${where} environment is accepted by services/${name}/src/config.ts`,
        containerEnvProblems({ name, container: c, code, secrets, identityConfig, loadConfig }),
      );
    }
  }
}

interface ContainerContext {
  name: string;
  container: Obj;
  code: ServiceCode;
  secrets: Map<string, Record<string, string>>;
  identityConfig: Obj;
  loadConfig: (schema: never, env: Record<string, string>) => unknown;
}

function containerEnvProblems({
  name,
  container: c,
  code,
  secrets,
  identityConfig,
  loadConfig,
}: ContainerContext): string[] {
  const problems: string[] = [];
  const env: Record<string, string> = { ...code.imageEnv };
  for (const e of c.env ?? []) {
    if (!(e.name in code.schema.properties) && !RUNTIME_ENV.test(e.name))
      problems.push(`${e.name} is not a variable services/${name}/src/config.ts reads`);
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) {
      const { name: secretName, key } = e.valueFrom.secretKeyRef;
      const secret = secrets.get(secretName);
      if (!secret) {
        // existingSecret: its values are unknown here, only their names are checked.
        const format = code.schema.properties[e.name]?.format;
        env[e.name] = format === 'email' ? 'placeholder@example.com' : 'placeholder-from-an-existing-secret';
      } else if (!(key in secret)) problems.push(`${e.name}: Secret ${secretName} has no key ${key}`);
      else env[e.name] = secret[key]!;
    }
  }
  for (const p of c.ports ?? [])
    if (env.PORT && p.name === 'http' && String(p.containerPort) !== env.PORT)
      problems.push(`port http is ${p.containerPort} but PORT=${env.PORT}`);
  try {
    loadConfig(code.schema as never, env);
  } catch (err) {
    problems.push(`config refused: ${(err as Error).message}`);
  }
  if (name === 'identity' && (env.NODE_ENV ?? 'development') === 'production') {
    if (!env.JWT_PRIVATE_KEY) problems.push('JWT_PRIVATE_KEY is required under NODE_ENV=production');
    else if (!env.JWT_PRIVATE_KEY.startsWith('placeholder')) {
      try {
        const key = createPrivateKey({ key: env.JWT_PRIVATE_KEY.replace(/\\n/g, '\n'), format: 'pem' });
        if (key.asymmetricKeyType !== 'ed25519')
          problems.push(`JWT_PRIVATE_KEY is ${key.asymmetricKeyType}, not ed25519`);
      } catch (err) {
        problems.push(`JWT_PRIVATE_KEY is not a PEM private key (${(err as Error).message})`);
      }
    }
    if (env.MERCATO_ADMIN_PASSWORD === identityConfig.DEFAULT_ADMIN_PASSWORD)
      problems.push('MERCATO_ADMIN_PASSWORD is the local default, which identity refuses in production');
  }
  return problems;
}
