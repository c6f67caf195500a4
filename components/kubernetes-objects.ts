// Settings -> every Kubernetes object the program manages, in a stable order. The render
// command prints this list; the component registers it as Pulumi resources. Nothing else
// decides what exists.

import { Settings } from "../stacks/settings";
import { buildBeatDeployment } from "./beat-deployment";
import { buildCronJob } from "./cronjob";
import { KubernetesObject } from "./kubernetes-object";
import { JOB_KEYS } from "./names";
import { buildPrometheusRule } from "./prometheus-rule";

export function buildKubernetesObjects(settings: Settings): KubernetesObject[] {
    const objects: KubernetesObject[] = JOB_KEYS.map((key) => buildCronJob(settings, key));
    if (settings.beat.retain) objects.push(buildBeatDeployment(settings));
    if (settings.monitoring.enabled) objects.push(buildPrometheusRule(settings));
    return objects;
}
