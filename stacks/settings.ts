// The validated, fully defaulted settings that every later step works from. Stack config is
// turned into this shape once (validate-settings.ts); the Kubernetes object builders and the
// component read nothing else.

/** CPU and memory as Kubernetes quantities, e.g. `{ cpu: "50m", memory: "128Mi" }`. */
export interface ComputeResources {
    /** CPU in Kubernetes quantity form: `50m` is 0.05 cores, `1` is one core. */
    cpu: string;
    /** Memory in Kubernetes quantity form: `128Mi` is 128 MiB. */
    memory: string;
}

export interface ContainerResources {
    /** What the scheduler reserves for the container. */
    requests: ComputeResources;
    /** The most the container may use; memory over the limit kills the container. */
    limits: ComputeResources;
}

/** One CronJob's schedule and run policy. Field names follow the Kubernetes CronJob/Job API. */
export interface JobSettings {
    /**
     * Kubernetes cron schedule: five fields (minute hour day-of-month month day-of-week) or one
     * of the macros `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`,
     * `@hourly`. Read in `timeZone`.
     */
    schedule: string;
    /** IANA time zone the schedule is read in. @default "Etc/UTC" */
    timeZone: string;
    /** `true` stops new runs; running Jobs go on. Always written to the object. @default false */
    suspend: boolean;
    /** What to do when a run is due while the previous one still runs. @default "Forbid" */
    concurrencyPolicy: "Allow" | "Forbid" | "Replace";
    /** Seconds after the scheduled time during which a missed run may still start. @default 600 */
    startingDeadlineSeconds: number;
    /** Finished successful Jobs kept for inspection. @default 3 */
    successfulJobsHistoryLimit: number;
    /** Finished failed Jobs kept for inspection. @default 3 */
    failedJobsHistoryLimit: number;
    /**
     * Seconds a finished Job (and its pods and logs) is kept before Kubernetes deletes it. Must
     * outlast the alert window so a failed Job can still be looked at. @default 172800 (2 days)
     */
    ttlSecondsAfterFinished: number;
    /** Pod retries before the Job counts as failed. @default 2 */
    backoffLimit: number;
    /** Seconds a run may take in all before Kubernetes stops it and marks it failed. */
    activeDeadlineSeconds: number;
    /** Requests and limits of the job's container. */
    resources: ContainerResources;
}

/** The jobs this program manages, keyed by their config name. */
export interface JobsSettings {
    /** Runs `automod_task()`: flags users and statuses that match AutoMod rules. */
    automod: JobSettings;
    /** Runs `check_for_updates_task()`: records the newest BookWyrm release (BookWyrm >= 0.7.3). */
    updateCheck: JobSettings;
    /** Runs the database cleanup described by `CleanupSettings`. */
    dbCleanup: JobSettings;
}

export type JobKey = keyof JobsSettings;

/** What the weekly database cleanup deletes. Each part can be switched off on its own. */
export interface CleanupSettings {
    /** Only count and log what would be deleted; delete nothing. @default false */
    dryRun: boolean;
    /**
     * Delete `UserSession` rows whose session no longer exists in the session store. Needs
     * BookWyrm >= 0.8.0, where the table was added. @default true
     */
    sessions: boolean;
    /** Delete read notifications not updated for this many days; `0` switches it off. @default 90 */
    notificationRetentionDays: number;
    /** Rows deleted per statement, so no single delete holds locks for long. @default 500 */
    batchSize: number;
}

/** Where the jobs' environment comes from. Values never live in stack files. */
export interface EnvFromSettings {
    /** Names of existing ConfigMaps in the namespace whose keys become environment variables. */
    configMaps: string[];
    /** Names of existing Secrets in the namespace whose keys become environment variables. */
    secrets: string[];
}

/** The user and group every container runs as (the BookWyrm image itself runs as root). */
export interface PodSecuritySettings {
    /** Numeric user id, not 0. @default 1000 */
    runAsUser: number;
    /** Numeric group id, not 0. @default 1000 */
    runAsGroup: number;
}

/** The Celery beat Deployment, kept while CronJobs and beat run side by side. */
export interface BeatSettings {
    /** `true`: the component manages the `bookwyrm-beat` Deployment; `false`: none exists. */
    retain: boolean;
    /**
     * `pulumi up` waits until the beat pod is available (and fails after 10 minutes if it never
     * is). `false` skips that wait, e.g. on a cluster without nodes. @default true
     */
    waitForReady: boolean;
    /** Requests and limits of the beat container. */
    resources: ContainerResources;
}

/** Severity and pending time of one alert. */
export interface AlertSettings {
    /** The `severity` label: `info`, `warning` or `critical`. */
    severity: "info" | "warning" | "critical";
    /** How long the condition must hold before the alert fires, a Prometheus duration (`15m`). */
    for: string;
}

export interface AlertsSettings {
    /** A Job of one of the CronJobs has the Failed condition. */
    failed: AlertSettings;
    /** The CronJob's last scheduled run did not succeed, even after its Job is gone. */
    lastRunFailed: AlertSettings;
    /** A run is overdue beyond `slackSeconds`. */
    missedSchedule: AlertSettings & {
        /** Seconds a run may be late before it counts as missed. @default 900 */
        slackSeconds: number;
    };
    /** A run is still active past a share of its `activeDeadlineSeconds`. */
    runningTooLong: AlertSettings & {
        /** Share of `activeDeadlineSeconds`, above 0 and at most 1. @default 0.8 */
        deadlineShare: number;
    };
    /** The beat Deployment has no available replica (only while beat is retained). */
    beatDown: AlertSettings;
}

/** The optional Prometheus-operator PrometheusRule. */
export interface MonitoringSettings {
    /** Create the PrometheusRule. Needs the PrometheusRule CRD in the cluster. @default false */
    enabled: boolean;
    /** Namespace of the PrometheusRule. @default the jobs' namespace */
    namespace: string;
    /** Extra labels on the PrometheusRule object, e.g. `release` for kube-prometheus-stack. */
    labels: Record<string, string>;
    /** Extra labels on every alert, e.g. `team`. */
    alertLabels: Record<string, string>;
    /** Label matchers that select kube-state-metrics' series. @default 'job="kube-state-metrics"' */
    kubeStateMetricsSelector: string;
    /** Base address of the runbook; each alert links to its own section (`#alert-name`). */
    runbookUrl: string;
    /** Per-alert severity and pending time. */
    alerts: AlertsSettings;
}

/** Everything the program needs, validated and with every default filled in. */
export interface Settings {
    /** Namespace of every object. Must exist already. @default "bookwyrm-application" */
    namespace: string;
    /** The BookWyrm image, pinned by tag or digest; never `:latest`. */
    image: string;
    /** @default "IfNotPresent" */
    imagePullPolicy: "Always" | "IfNotPresent" | "Never";
    /** Names of existing image pull Secrets. @default [] */
    imagePullSecrets: string[];
    /** ConfigMaps and Secrets that hold BookWyrm's settings. */
    envFrom: EnvFromSettings;
    /** Extra plain environment variables, for values that are not secret. @default {} */
    env: Record<string, string>;
    /** The user and group the containers run as. */
    podSecurity: PodSecuritySettings;
    /** Schedules and run policy per job. */
    jobs: JobsSettings;
    /** What the database cleanup deletes. */
    cleanup: CleanupSettings;
    /** The Celery beat Deployment. */
    beat: BeatSettings;
    /** The optional PrometheusRule with the alerts. */
    monitoring: MonitoringSettings;
}
