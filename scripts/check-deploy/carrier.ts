// shipping and its carrier agree: the webhook secret comes from a Secret (never a plain value); with
// the fake carrier deployed, shipping books with it, it calls shipping's webhook, and both use the
// same Secret key (else every webhook would be refused with 401); without it, shipping books with a
// carrier outside the cluster over HTTPS.
import { id, matches, type Obj } from './objects.ts';
import { expectNone } from './report.ts';

/** The webhook route of shipping (services/shipping: prefix /shippings). */
export const CARRIER_WEBHOOK_PATH = '/shippings/webhooks/carrier';

function envOf(d: Obj, name: string): Obj | undefined {
  return d.spec.template.spec.containers.flatMap((c: Obj) => c.env ?? []).find((e: Obj) => e.name === name);
}

/** The app.kubernetes.io/name of the pods the Service named by the URL's host selects. */
function calledService(value: unknown, services: Obj[], deployments: Obj[]): string | undefined {
  let host: string;
  try {
    host = new URL(String(value)).hostname;
  } catch {
    return undefined;
  }
  const svc = services.find((s) => s.metadata.name === host);
  const d = svc && deployments.find((x) => matches(svc.spec.selector, x.spec.template.metadata.labels));
  return d?.metadata.labels['app.kubernetes.io/name'];
}

export function checkCarrier(docs: Obj[]): void {
  const deployments = docs.filter((d) => d.kind === 'Deployment');
  const services = docs.filter((d) => d.kind === 'Service');
  const byName = (n: string) => deployments.find((d) => d.metadata.labels?.['app.kubernetes.io/name'] === n);
  const shipping = byName('shipping');
  const fake = byName('fake-carrier');
  if (!shipping) return;
  const problems: string[] = [];
  const secret = envOf(shipping, 'CARRIER_WEBHOOK_SECRET');
  const ref = secret?.valueFrom?.secretKeyRef;
  if (!ref) problems.push(`${id(shipping)}: CARRIER_WEBHOOK_SECRET is not read from a Secret`);
  const carrierUrl = envOf(shipping, 'CARRIER_URL')?.value;
  if (fake) {
    if (calledService(carrierUrl, services, deployments) !== 'fake-carrier')
      problems.push(`${id(shipping)}: CARRIER_URL=${carrierUrl} is not the fake carrier's Service`);
    const webhook = envOf(fake, 'WEBHOOK_URL')?.value;
    if (calledService(webhook, services, deployments) !== 'shipping')
      problems.push(`${id(fake)}: WEBHOOK_URL=${webhook} is not shipping's Service`);
    else if (new URL(String(webhook)).pathname !== CARRIER_WEBHOOK_PATH)
      problems.push(`${id(fake)}: WEBHOOK_URL=${webhook} is not shipping's ${CARRIER_WEBHOOK_PATH}`);
    const fakeRef = envOf(fake, 'WEBHOOK_SECRET')?.valueFrom?.secretKeyRef;
    if (!fakeRef) problems.push(`${id(fake)}: WEBHOOK_SECRET is not read from a Secret`);
    else if (ref && (fakeRef.name !== ref.name || fakeRef.key !== ref.key))
      problems.push(
        `${id(fake)}: signs with ${fakeRef.name}/${fakeRef.key}, shipping verifies with ${ref.name}/${ref.key}`,
      );
  } else if (!String(carrierUrl).startsWith('https://') || calledService(carrierUrl, services, deployments))
    problems.push(
      `${id(shipping)}: CARRIER_URL=${carrierUrl} is not a carrier's HTTPS API outside the cluster`,
    );
  expectNone(
    fake
      ? 'shipping books with the fake carrier, which calls its webhook signed with the same Secret key'
      : 'shipping books with the carrier over HTTPS and verifies its webhooks with a secret from a Secret',
    problems,
  );
}
