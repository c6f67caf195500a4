// Every default in one place. Pulumi.yaml declares the same values as the config keys'
// `default:` (a test keeps the two equal), so `pulumi config` and the render command agree.
// Stack config is merged over these key by key: a stack names only what it changes.

const UTC = "Etc/UTC";

// Shared run policy. Forbid: a second automod scan or cleanup started while the first still
// runs would do the same work twice. 600 s of starting deadline bounds the catch-up after a
// controller outage. The TTL keeps a failed Job (and its pod logs) for two days, well past
// every alert's pending window.
const RUN_POLICY = {
    timeZone: UTC,
    suspend: false,
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 600,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    ttlSecondsAfterFinished: 172800,
    backoffLimit: 2,
} as const;

const SMALL_TASK = {
    requests: { cpu: "50m", memory: "128Mi" },
    limits: { cpu: "500m", memory: "256Mi" },
};

export const DEFAULTS = {
    namespace: "bookwyrm-application",
    image: "ghcr.io/bookwyrm-social/bookwyrm:v0.9.2",
    imagePullPolicy: "IfNotPresent",
    imagePullSecrets: [] as string[],
    envFrom: { configMaps: [] as string[], secrets: [] as string[] },
    env: {} as Record<string, string>,
    podSecurity: { runAsUser: 1000, runAsGroup: 1000 },
    jobs: {
        automod: {
            schedule: "0 */6 * * *",
            ...RUN_POLICY,
            // automod's ILIKE scans grow with the instance; half an hour is generous.
            activeDeadlineSeconds: 1800,
            resources: SMALL_TASK,
        },
        updateCheck: {
            schedule: "0 3 * * *",
            ...RUN_POLICY,
            // One HTTP request with a 3 s timeout and one row update.
            activeDeadlineSeconds: 300,
            resources: SMALL_TASK,
        },
        dbCleanup: {
            schedule: "0 2 * * 0",
            ...RUN_POLICY,
            activeDeadlineSeconds: 3600,
            resources: {
                requests: { cpu: "100m", memory: "256Mi" },
                limits: { cpu: "1", memory: "512Mi" },
            },
        },
    },
    cleanup: {
        dryRun: false,
        sessions: true,
        notificationRetentionDays: 90,
        batchSize: 500,
    },
    beat: {
        retain: false,
        waitForReady: true,
        resources: {
            requests: { cpu: "100m", memory: "256Mi" },
            limits: { cpu: "500m", memory: "512Mi" },
        },
    },
    monitoring: {
        enabled: false,
        labels: {} as Record<string, string>,
        alertLabels: {} as Record<string, string>,
        kubeStateMetricsSelector: 'job="kube-state-metrics"',
        runbookUrl: "",
        alerts: {
            failed: { severity: "warning", for: "0m" },
            lastRunFailed: { severity: "warning", for: "0m" },
            missedSchedule: { severity: "warning", for: "0m", slackSeconds: 900 },
            runningTooLong: { severity: "warning", for: "0m", deadlineShare: 0.8 },
            beatDown: { severity: "critical", for: "5m" },
        },
    },
};

/** The top-level config keys, each with the type Pulumi.yaml declares for it. */
export const CONFIG_KEY_TYPES: Record<keyof typeof DEFAULTS, "string" | "array" | "object"> = {
    namespace: "string",
    image: "string",
    imagePullPolicy: "string",
    imagePullSecrets: "array",
    envFrom: "object",
    env: "object",
    podSecurity: "object",
    jobs: "object",
    cleanup: "object",
    beat: "object",
    monitoring: "object",
};

/** The Pulumi project name, which is also the namespace of this program's config keys. */
export const PROJECT = "bookwyrm-cronjobs";
