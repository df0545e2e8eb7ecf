// NetworkPolicies: one per service; only the gateway admits the ingress controller, every other
// service admits the gateway (the fake provider: payments); egress to DNS and to what each uses.
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
      if (name === 'fake-payment-provider') {
        if (!admits(payments)) problems.push(`${id(n)}: the fake provider does not admit payments`);
      } else if (name === 'mail-catcher') {
        if (!admits(notifications)) problems.push(`${id(n)}: the mail catcher does not admit notifications`);
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
}
