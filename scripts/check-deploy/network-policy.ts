// NetworkPolicies: one per service; only the gateway admits the ingress controller, every other
// service admits the gateway (the fake provider: payments; the mail catcher: notifications; the fake
// carrier: shipping); egress to DNS and to what each uses; every service of the release a service is
// given the URL of lets it in, and a third party's HTTPS API is reachable.
import type { Rendered } from './helm.ts';
import { id, matches, type Obj } from './objects.ts';
import { expectNone, note } from './report.ts';

export function checkNetworkPolicies(r: Rendered, deployments: Obj[]): void {
  const nps = r.docs.filter((d) => d.kind === 'NetworkPolicy');
  if (nps.length === 0) {
    note('no NetworkPolicy rendered');
    return;
  }
  const problems: string[] = [];
  const policyOf = new Map<Obj, Obj>();
  for (const d of deployments) {
    const selecting = nps.filter((n) => matches(n.spec?.podSelector, d.spec.template.metadata.labels));
    if (selecting.length !== 1) problems.push(`${id(d)}: selected by ${selecting.length} NetworkPolicies`);
    else policyOf.set(d, selecting[0]!);
  }
  const nsPeers = (n: Obj) =>
    new Set<string>(
      (n.spec?.ingress ?? []).flatMap((rule: Obj) =>
        (rule.from ?? []).filter((p: Obj) => p.namespaceSelector).map((p: Obj) => JSON.stringify(p)),
      ),
    );
  // A namespace peer that every policy admits is the monitoring one; any other is the ingress controller.
  const all = [...policyOf.values()].map(nsPeers);
  const common = all.length ? [...all[0]!].filter((p) => all.every((s) => s.has(p))) : [];
  const hasIngress = r.docs.some((d) => d.kind === 'Ingress');
  for (const [d, n] of policyOf) {
    const name = d.metadata.labels['app.kubernetes.io/name'];
    const types = n.spec.policyTypes ?? [];
    if (!types.includes('Ingress') || !types.includes('Egress'))
      problems.push(`${id(n)}: not both Ingress and Egress`);
    const outside = [...nsPeers(n)].filter((p) => !common.includes(p));
    if (name === 'gateway') {
      if (hasIngress && outside.length === 0)
        problems.push(`${id(n)}: the gateway does not admit the ingress controller`);
    } else {
      if (outside.length > 0)
        problems.push(`${id(n)}: ${name} admits another namespace: ${outside.join(', ')}`);
      const fromPods: Obj[] = (n.spec.ingress ?? []).flatMap((rule: Obj) =>
        (rule.from ?? []).filter((p: Obj) => p.podSelector && !p.namespaceSelector),
      );
      const admits = (who: Obj | undefined) =>
        who && fromPods.some((p) => matches(p.podSelector, who.spec.template.metadata.labels));
      const gateway = deployments.find((x) => x.metadata.labels['app.kubernetes.io/name'] === 'gateway');
      const payments = deployments.find((x) => x.metadata.labels['app.kubernetes.io/name'] === 'payments');
      const notifications = deployments.find(
        (x) => x.metadata.labels['app.kubernetes.io/name'] === 'notifications',
      );
      const shipping = deployments.find((x) => x.metadata.labels['app.kubernetes.io/name'] === 'shipping');
      if (name === 'fake-payment-provider') {
        if (!admits(payments)) problems.push(`${id(n)}: the fake provider does not admit payments`);
      } else if (name === 'mail-catcher') {
        if (!admits(notifications)) problems.push(`${id(n)}: the mail catcher does not admit notifications`);
      } else if (name === 'fake-carrier') {
        if (!admits(shipping)) problems.push(`${id(n)}: the fake carrier does not admit shipping`);
      } else if (!admits(gateway)) problems.push(`${id(n)}: ${name} does not admit the gateway`);
    }
    const egressPorts = new Set<number>(
      (n.spec.egress ?? []).flatMap((rule: Obj) => (rule.ports ?? []).map((p: Obj) => Number(p.port))),
    );
    const env = new Set(
      d.spec.template.spec.containers.flatMap((c: Obj) => (c.env ?? []).map((e: Obj) => e.name)),
    );
    const needs: [string, number][] = [
      ['DATABASE_URL', 5432],
      ['AMQP_URL', 5672],
      ['REDIS_URL', 6379],
    ];
    if (!egressPorts.has(53)) problems.push(`${id(n)}: no DNS egress`);
    for (const [v, port] of needs)
      if (env.has(v) && !egressPorts.has(port))
        problems.push(`${id(n)}: ${name} uses ${v} but may not reach port ${port}`);
  }
  expectNone(
    `NetworkPolicies (${nps.length}): one per service, only the gateway admits the ingress controller, others admit the gateway, egress to DNS/PostgreSQL/RabbitMQ/Redis`,
    problems,
  );
  checkCalls(r, deployments, policyOf);
}

/** Third-party APIs a service calls (not links it prints, such as SHOP_URL): their port must be open. */
const EXTERNAL_APIS = ['PAYMENT_PROVIDER_URL', 'CARRIER_URL'];

/** Does one of the policy's egress rules allow `port` to pods labelled `target` (or, without, outside)? */
function egressAllows(n: Obj, port: number, target?: Obj): boolean {
  return (n.spec?.egress ?? []).some((rule: Obj) => {
    if (rule.ports && !rule.ports.some((p: Obj) => Number(p.port) === port)) return false;
    if (!rule.to || rule.to.length === 0) return true;
    return rule.to.some((peer: Obj) =>
      target
        ? peer.podSelector && !peer.namespaceSelector && matches(peer.podSelector, target)
        : Boolean(peer.ipBlock),
    );
  });
}

/** Does one of the policy's ingress rules admit pods labelled `caller` on the container port? */
function ingressAdmits(n: Obj, caller: Obj, port: { name?: string; number: number }): boolean {
  return (n.spec?.ingress ?? []).some((rule: Obj) => {
    if (rule.ports && !rule.ports.some((p: Obj) => p.port === port.name || Number(p.port) === port.number))
      return false;
    return (rule.from ?? []).some(
      (peer: Obj) => peer.podSelector && !peer.namespaceSelector && matches(peer.podSelector, caller),
    );
  });
}

/**
 * Every URL of a Service of the release in a container's environment (orders' SHIPPING_URL,
 * shipping's CARRIER_URL to the fake carrier, the fake carrier's WEBHOOK_URL to shipping, JWKS_URL)
 * is a call: the caller's policy lets it out and the callee's lets it in. A third-party API
 * (EXTERNAL_APIS) outside the cluster needs egress to its port.
 */
function checkCalls(r: Rendered, deployments: Obj[], policyOf: Map<Obj, Obj>): void {
  const services = r.docs.filter((d) => d.kind === 'Service');
  const problems: string[] = [];
  let calls = 0;
  for (const d of deployments) {
    const own = policyOf.get(d);
    if (!own) continue;
    const labels = d.spec.template.metadata.labels;
    for (const c of d.spec.template.spec.containers) {
      for (const e of c.env ?? []) {
        if (typeof e.value !== 'string') continue;
        let url: URL;
        try {
          url = new URL(e.value);
        } catch {
          continue;
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
        const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
        const svc = services.find((s) => s.metadata.name === url.hostname);
        const where = `${id(d)}: ${e.name}=${e.value}`;
        if (!svc) {
          if (EXTERNAL_APIS.includes(e.name) && url.hostname.includes('.') && !egressAllows(own, port))
            problems.push(`${where}: its NetworkPolicy allows no egress to port ${port}`);
          continue;
        }
        calls++;
        const svcPort = (svc.spec.ports ?? []).find((p: Obj) => Number(p.port) === port);
        if (!svcPort) {
          problems.push(`${where}: Service ${svc.metadata.name} has no port ${port}`);
          continue;
        }
        const callee = deployments.find((x) => matches(svc.spec.selector, x.spec.template.metadata.labels));
        const calleePolicy = callee && policyOf.get(callee);
        if (!callee || !calleePolicy) continue;
        const containerPort = callee.spec.template.spec.containers
          .flatMap((x: Obj) => x.ports ?? [])
          .find((p: Obj) =>
            typeof svcPort.targetPort === 'string'
              ? p.name === svcPort.targetPort
              : p.containerPort === (svcPort.targetPort ?? svcPort.port),
          );
        if (!containerPort) continue; // reported with the Services
        const target = { name: containerPort.name, number: Number(containerPort.containerPort) };
        if (!egressAllows(own, target.number, callee.spec.template.metadata.labels))
          problems.push(
            `${where}: its NetworkPolicy allows no egress to ${id(callee)} port ${target.number}`,
          );
        if (!ingressAdmits(calleePolicy, labels, target))
          problems.push(`${where}: ${id(calleePolicy)} does not admit it`);
      }
    }
  }
  expectNone(
    `every service of the release a service is given the URL of (${calls}) lets it in, and third-party APIs (${EXTERNAL_APIS.join(', ')}) are reachable`,
    problems,
  );
}
