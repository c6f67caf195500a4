// The Celery beat Deployment, kept only while the CronJobs and beat run side by side (or after a
// rollback). It runs the same command as BookWyrm's docker-compose service.

import { Settings } from "../stacks/settings";
import { DeploymentObject } from "./kubernetes-object";
import { BEAT_NAME, commonLabels } from "./names";
import { bookwyrmPodSpec } from "./pod-template";

export const BEAT_COMMAND = [
    "celery",
    "-A",
    "celerywyrm",
    "beat",
    "-l",
    "INFO",
    "--scheduler",
    "django_celery_beat.schedulers:DatabaseScheduler",
];

export function buildBeatDeployment(settings: Settings): DeploymentObject {
    const labels = commonLabels("beat");
    const selector = {
        "app.kubernetes.io/name": "bookwyrm",
        "app.kubernetes.io/component": "beat",
    };

    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: {
            name: BEAT_NAME,
            namespace: settings.namespace,
            labels,
            ...(settings.beat.waitForReady
                ? {}
                : { annotations: { "pulumi.com/skipAwait": "true" } }),
        },
        spec: {
            // Beat has no leader election: two schedulers would queue every task twice.
            replicas: 1,
            // Recreate, not RollingUpdate, for the same reason: the old pod stops first.
            strategy: { type: "Recreate" },
            selector: { matchLabels: selector },
            template: {
                metadata: { labels },
                spec: bookwyrmPodSpec(settings, {
                    name: "beat",
                    command: BEAT_COMMAND,
                    resources: settings.beat.resources,
                    restartPolicy: "Always",
                }),
            },
        },
    };
}
