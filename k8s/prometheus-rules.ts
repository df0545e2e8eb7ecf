/**
 * The chart's alert rules for the dev cluster's Prometheus, which runs without the Prometheus
 * operator: reads the chart's rendered PrometheusRule (YAML) on stdin and prints a ConfigMap holding
 * its groups as a Prometheus rule file, labelled for the rules sidecar of k8s/dev/prometheus.yaml.
 * skaffold.yaml runs it after every deploy of the chart:
 *
 *   helm template mercato charts/mercato -n mercato -f charts/mercato/values-dev.yaml \
 *     --set metrics.prometheusRule.enabled=true --show-only templates/prometheusrule.yaml \
 *   | node --import tsx k8s/prometheus-rules.ts | kubectl -n mercato apply -f -
 *
 * Rendered from the template each time, so the rules Prometheus evaluates are the chart's, not a copy.
 */
import { parseAllDocuments, stringify } from 'yaml';

export const RULES_CONFIGMAP = 'mercato-prometheus-rules';
/** The label the rules sidecar watches (k8s/dev/prometheus.yaml, LABEL / LABEL_VALUE). */
export const RULES_LABEL = { prometheus_rule: '1' };

type Obj = Record<string, any>;

/** The ConfigMap for one PrometheusRule; throws when the input is not one. */
export function rulesConfigMap(rule: Obj, namespace = 'mercato'): Obj {
  if (rule?.kind !== 'PrometheusRule' || !Array.isArray(rule.spec?.groups))
    throw new Error(`not a PrometheusRule with spec.groups: ${rule?.kind ?? typeof rule}`);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: RULES_CONFIGMAP,
      namespace,
      labels: { 'app.kubernetes.io/part-of': 'mercato-dev', ...RULES_LABEL },
    },
    // The sidecar writes each key as a file; Prometheus loads /etc/prometheus/rules/*.yaml.
    data: {
      [`${rule.metadata?.name ?? 'mercato'}.rules.yaml`]: stringify(
        { groups: rule.spec.groups },
        { blockQuote: 'literal', lineWidth: 0 },
      ),
    },
  };
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const docs = parseAllDocuments(input).map((d) => d.toJS() as Obj);
  const rules = docs.filter((d) => d?.kind === 'PrometheusRule');
  if (rules.length !== 1) {
    console.error(`prometheus-rules: expected one PrometheusRule on stdin, got ${rules.length}`);
    process.exit(1);
  }
  process.stdout.write(stringify(rulesConfigMap(rules[0]!), { blockQuote: 'literal', lineWidth: 0 }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
