// The shape of the program's config after defaults are merged in: types, ranges and the
// per-value checks of value-checks.ts. Objects are strict, so a misspelt key such as
// `schedul` is an error rather than a setting that silently does nothing.

import { z } from "zod";
import {
    cronProblem,
    dnsLabelProblem,
    dnsSubdomainProblem,
    envNameProblem,
    labelKeyProblem,
    labelMatchersProblem,
    labelValueProblem,
    pinnedImageProblem,
    promDurationProblem,
    alertLabelNameProblem,
    quantityProblem,
    runbookUrlProblem,
    timeZoneProblem,
} from "./value-checks";

type Check = (value: string) => string | undefined;

/** A string that must also pass one of the checks above. */
function checkedString(check: Check) {
    return z.string().superRefine((value, ctx) => {
        const problem = check(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}

/** A map whose keys pass `keyCheck` and whose values pass `valueCheck`. */
function checkedMap(keyCheck: Check, valueSchema: z.ZodType<string>) {
    return z.record(z.string(), valueSchema).superRefine((map, ctx) => {
        for (const key of Object.keys(map)) {
            const problem = keyCheck(key);
            if (problem)
                ctx.addIssue({ code: "custom", message: `key "${key}" ${problem}`, path: [key] });
        }
    });
}

const count = z.number().int().min(0);
const quantity = checkedString(quantityProblem);
const compute = z.strictObject({ cpu: quantity, memory: quantity });
const resources = z.strictObject({ requests: compute, limits: compute });

const job = z.strictObject({
    schedule: checkedString(cronProblem),
    timeZone: checkedString(timeZoneProblem),
    suspend: z.boolean(),
    concurrencyPolicy: z.enum(["Allow", "Forbid", "Replace"]),
    // The CronJob controller looks for due runs every 10 s; a shorter deadline can miss them all.
    startingDeadlineSeconds: z
        .number()
        .int()
        .min(10, "must be at least 10 (the CronJob controller checks every 10 seconds)"),
    successfulJobsHistoryLimit: count,
    failedJobsHistoryLimit: count,
    ttlSecondsAfterFinished: count,
    backoffLimit: count,
    activeDeadlineSeconds: z.number().int().min(1),
    resources,
});

const alert = z.strictObject({
    severity: z.enum(["info", "warning", "critical"]),
    for: checkedString(promDurationProblem),
});

export const settingsSchema = z.strictObject({
    namespace: checkedString(dnsLabelProblem),
    image: checkedString(pinnedImageProblem),
    imagePullPolicy: z.enum(["Always", "IfNotPresent", "Never"]),
    imagePullSecrets: z.array(checkedString(dnsSubdomainProblem)),
    envFrom: z.strictObject({
        configMaps: z.array(checkedString(dnsSubdomainProblem)),
        secrets: z.array(checkedString(dnsSubdomainProblem)),
    }),
    env: checkedMap(envNameProblem, z.string()),
    podSecurity: z.strictObject({
        // Pod Security "restricted" refuses user 0; group 0 would give root-group file access.
        runAsUser: z.number().int().min(1, "must be a non-root user id (1 or more)"),
        runAsGroup: z.number().int().min(1, "must be a non-root group id (1 or more)"),
    }),
    jobs: z.strictObject({ automod: job, updateCheck: job, dbCleanup: job }),
    cleanup: z.strictObject({
        dryRun: z.boolean(),
        sessions: z.boolean(),
        notificationRetentionDays: count,
        batchSize: z.number().int().min(1).max(10000),
    }),
    beat: z.strictObject({ retain: z.boolean(), waitForReady: z.boolean(), resources }),
    monitoring: z.strictObject({
        enabled: z.boolean(),
        namespace: checkedString(dnsLabelProblem).optional(),
        labels: checkedMap(labelKeyProblem, checkedString(labelValueProblem)),
        alertLabels: checkedMap(alertLabelNameProblem, z.string()),
        kubeStateMetricsSelector: checkedString(labelMatchersProblem),
        runbookUrl: checkedString(runbookUrlProblem),
        alerts: z.strictObject({
            failed: alert,
            lastRunFailed: alert,
            missedSchedule: alert.extend({ slackSeconds: z.number().int().min(0) }),
            runningTooLong: alert.extend({ deadlineShare: z.number().gt(0).max(1) }),
            beatDown: alert,
        }),
    }),
});

export type ParsedConfig = z.infer<typeof settingsSchema>;
