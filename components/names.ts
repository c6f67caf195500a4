// Fixed object names. They are the names operators type in kubectl, dashboards and alerts, so
// they never carry a random suffix and never change with config.

import { JobKey } from "../stacks/settings";

/** The jobs in the order their objects are built, rendered and alerted on. */
export const JOB_KEYS: readonly JobKey[] = ["automod", "updateCheck", "dbCleanup"];

/** metadata.name of each CronJob (at most 52 characters: the Job controller appends 11). */
export const CRONJOB_NAMES: Record<JobKey, string> = {
    automod: "bookwyrm-automod",
    updateCheck: "bookwyrm-update-check",
    dbCleanup: "bookwyrm-db-cleanup",
};

/** The Celery beat Deployment that the CronJobs replace. */
export const BEAT_NAME = "bookwyrm-beat";

/** The PrometheusRule holding this program's alerts. */
export const RULE_NAME = "bookwyrm-cronjobs";

/** Labels on every object, so `kubectl get -l app.kubernetes.io/part-of=bookwyrm` finds them. */
export function commonLabels(component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": "bookwyrm",
        "app.kubernetes.io/part-of": "bookwyrm",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}
