// The plain shapes the builders return: what `kubectl apply` would take, with no Pulumi
// resources involved, so the render command and the component share the builders unchanged.
// The specs are typed with @pulumi/kubernetes' input types (type-only imports, erased at run
// time), so the compiler catches a misspelt or misplaced field in a builder.

import type { apps, batch, core } from "@pulumi/kubernetes/types/input";

export interface ObjectMeta {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
}

export type PodSpec = core.v1.PodSpec;

export interface CronJobObject {
    apiVersion: "batch/v1";
    kind: "CronJob";
    metadata: ObjectMeta;
    spec: batch.v1.CronJobSpec;
}

export interface DeploymentObject {
    apiVersion: "apps/v1";
    kind: "Deployment";
    metadata: ObjectMeta;
    spec: apps.v1.DeploymentSpec;
}

/** A Prometheus-operator rule; its spec follows the monitoring.coreos.com/v1 CRD. */
export interface PrometheusRuleObject {
    apiVersion: "monitoring.coreos.com/v1";
    kind: "PrometheusRule";
    metadata: ObjectMeta;
    spec: { groups: RuleGroup[] };
}

export interface RuleGroup {
    name: string;
    rules: AlertRule[];
}

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

export type KubernetesObject = CronJobObject | DeploymentObject | PrometheusRuleObject;
