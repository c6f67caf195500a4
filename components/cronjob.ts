// One BookWyrm periodic task as a batch/v1 CronJob.

import { JobKey, Settings } from "../stacks/settings";
import { CronJobObject } from "./kubernetes-object";
import { CRONJOB_NAMES, commonLabels } from "./names";
import { bookwyrmPodSpec } from "./pod-template";
import { TASK_SCRIPTS, cleanupEnvironment } from "./task-scripts";

/** The component label of each job, e.g. for `kubectl get jobs -l app.kubernetes.io/component=automod`. */
export const JOB_COMPONENTS: Record<JobKey, string> = {
    automod: "automod",
    updateCheck: "update-check",
    dbCleanup: "db-cleanup",
};

export function buildCronJob(settings: Settings, key: JobKey): CronJobObject {
    const job = settings.jobs[key];
    const name = CRONJOB_NAMES[key];
    const labels = commonLabels(JOB_COMPONENTS[key]);

    const podSpec = bookwyrmPodSpec(settings, {
        name: JOB_COMPONENTS[key],
        // No --no-imports: Django before 5.2 (BookWyrm before 0.9) refuses the flag; on 5.2 the
        // cost is one "objects imported automatically" line in the log.
        command: ["python", "manage.py", "shell", "-c", TASK_SCRIPTS[key]],
        resources: job.resources,
        env: key === "dbCleanup" ? cleanupEnvironment(settings.cleanup) : undefined,
        restartPolicy: "Never",
    });

    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: {
            name,
            namespace: settings.namespace,
            labels,
            // Background: `pulumi destroy` returns once the CronJob is gone and leaves its Jobs
            // to the garbage collector, instead of waiting for a running task to finish.
            annotations: { "pulumi.com/deletionPropagationPolicy": "background" },
        },
        spec: {
            schedule: job.schedule,
            // Explicit, so "0 3 * * *" means 03:00 UTC whatever zone the controller runs in.
            timeZone: job.timeZone,
            // Explicit, so a `kubectl patch` that suspends the job is undone by the next `pulumi up`
            // instead of silently owning the field.
            suspend: job.suspend,
            concurrencyPolicy: job.concurrencyPolicy,
            startingDeadlineSeconds: job.startingDeadlineSeconds,
            successfulJobsHistoryLimit: job.successfulJobsHistoryLimit,
            failedJobsHistoryLimit: job.failedJobsHistoryLimit,
            jobTemplate: {
                metadata: { labels },
                spec: {
                    backoffLimit: job.backoffLimit,
                    activeDeadlineSeconds: job.activeDeadlineSeconds,
                    ttlSecondsAfterFinished: job.ttlSecondsAfterFinished,
                    template: {
                        metadata: { labels },
                        spec: podSpec,
                    },
                },
            },
        },
    };
}
