// The optional PrometheusRule: alerts for every way a scheduled BookWyrm task can go wrong once
// Kubernetes, not Celery beat, starts the runs. Every expression reads kube-state-metrics series
// of this component's namespace and CronJobs only, so other teams' Jobs never page us.
//
// kube_job_status_failed is deliberately unused: it counts failed pods, so a Job that retried
// and then succeeded would alert until the Job is deleted (kubernetes-mixin PR #246).

import { AlertSettings, Settings } from "../stacks/settings";
import { AlertRule, PrometheusRuleObject } from "./kubernetes-object";
import { BEAT_NAME, CRONJOB_NAMES, JOB_KEYS, RULE_NAME, commonLabels } from "./names";

/** The single rule group of the PrometheusRule. */
export const RULE_GROUP_NAME = "bookwyrm-cronjobs";

/** The PrometheusRule object; its `spec` is a valid Prometheus 2.42 rule file as it stands. */
export function buildPrometheusRule(settings: Settings): PrometheusRuleObject {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: {
            name: RULE_NAME,
            namespace: settings.monitoring.namespace,
            labels: { ...commonLabels("monitoring"), ...settings.monitoring.labels },
        },
        spec: { groups: [{ name: RULE_GROUP_NAME, rules: alertRules(settings) }] },
    };
}

/** The alerting rules in a fixed order; alerts that cannot apply to `settings` are left out. */
export function alertRules(settings: Settings): AlertRule[] {
    const alerts = settings.monitoring.alerts;
    const all = JOB_KEYS.map((key) => CRONJOB_NAMES[key]);
    // A suspended CronJob starts no runs, so it can neither miss one nor get a new success that
    // would clear a last-run alert. Its Jobs can still fail (a run in flight, a manual run).
    const scheduled = JOB_KEYS.filter((key) => !settings.jobs[key].suspend).map(
        (key) => CRONJOB_NAMES[key],
    );
    const q = new Queries(settings);
    const rules: AlertRule[] = [];

    rules.push(
        rule(settings, "BookWyrmCronJobFailed", alerts.failed, {
            expr: q.failed(all),
            summary: "A Job of a BookWyrm scheduled task failed.",
            description:
                "Job {{ $labels.namespace }}/{{ $labels.job_name }} of CronJob " +
                "{{ $labels.cronjob }} has the Failed condition: its pods failed more often " +
                "than backoffLimit allows, or it ran past activeDeadlineSeconds. The alert " +
                "lasts as long as the Job object; deleting the Job clears it.",
        }),
    );

    if (scheduled.length > 0) {
        rules.push(
            rule(settings, "BookWyrmCronJobLastRunFailed", alerts.lastRunFailed, {
                expr: q.lastRunFailed(scheduled),
                summary: "The last run of a BookWyrm scheduled task did not succeed.",
                description:
                    "The last run of CronJob {{ $labels.namespace }}/{{ $labels.cronjob }}, " +
                    "scheduled at {{ $value | humanizeTimestamp }}, finished without " +
                    "succeeding. The alert stays until a run succeeds, even after the failed " +
                    "Job has been deleted.",
            }),
        );

        const slack = alerts.missedSchedule.slackSeconds;
        rules.push(
            rule(settings, "BookWyrmCronJobMissedSchedule", alerts.missedSchedule, {
                expr: q.missedSchedule(scheduled, slack),
                summary: "A BookWyrm scheduled task did not start on time.",
                description:
                    "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} should have started " +
                    "a run {{ $value | humanizeDuration }} ago; more than " +
                    `${formatSeconds(slack)} of delay counts as missed.`,
            }),
        );
    }

    // One rule per CronJob, because each has its own activeDeadlineSeconds and so its own
    // threshold, which the description states. The static cronjob label (equal to the joined
    // one) keeps `promtool check rules --lint-fatal` from reporting the rules as duplicates.
    const share = alerts.runningTooLong.deadlineShare;
    for (const key of JOB_KEYS) {
        const name = CRONJOB_NAMES[key];
        const deadline = settings.jobs[key].activeDeadlineSeconds;
        const threshold = Math.round(share * deadline);
        rules.push(
            rule(settings, "BookWyrmCronJobRunningTooLong", alerts.runningTooLong, {
                expr: q.runningTooLong(name, threshold),
                labels: { cronjob: name },
                summary: "A BookWyrm scheduled task is close to its deadline.",
                description:
                    "Job {{ $labels.namespace }}/{{ $labels.job_name }} of CronJob " +
                    "{{ $labels.cronjob }} has been running for {{ $value | humanizeDuration }}, " +
                    `longer than ${formatShare(share)} of its activeDeadlineSeconds ` +
                    `(${formatSeconds(threshold)} of ${formatSeconds(deadline)}). Kubernetes ` +
                    `stops it at ${formatSeconds(deadline)} and marks it failed.`,
            }),
        );
    }

    if (settings.beat.retain) {
        rules.push(
            rule(settings, "BookWyrmBeatDown", alerts.beatDown, {
                expr: q.beatDown(),
                summary: "BookWyrm's Celery beat has no available replica.",
                description:
                    "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has no " +
                    "available replica, so the periodic tasks still left to Celery beat are " +
                    "not being scheduled.",
            }),
        );
    }
    return rules;
}

/** Seconds as a short duration (`1h 30m`, `24m`, `45s`), for every threshold in a description. */
export function formatSeconds(seconds: number): string {
    const units: [string, number][] = [
        ["d", 86400],
        ["h", 3600],
        ["m", 60],
        ["s", 1],
    ];
    const parts: string[] = [];
    let rest = Math.round(seconds);
    for (const [unit, size] of units) {
        if (rest >= size) {
            parts.push(`${Math.floor(rest / size)}${unit}`);
            rest %= size;
        }
    }
    return parts.length > 0 ? parts.join(" ") : "0s";
}

function formatShare(share: number): string {
    return `${Number((share * 100).toFixed(1))}%`;
}

interface RuleText {
    expr: string;
    /** Labels only this rule carries, after severity and the configured alert labels. */
    labels?: Record<string, string>;
    /** One static sentence, ending with a period. */
    summary: string;
    /** Templated: names the object as namespace/name and states the threshold. */
    description: string;
}

function rule(settings: Settings, name: string, alert: AlertSettings, text: RuleText): AlertRule {
    const base = settings.monitoring.runbookUrl;
    return {
        alert: name,
        expr: text.expr,
        for: alert.for,
        labels: { severity: alert.severity, ...settings.monitoring.alertLabels, ...text.labels },
        annotations: {
            summary: text.summary,
            description: text.description,
            // The README heading "### BookWyrmCronJobFailed" has the anchor #bookwyrmcronjobfailed.
            ...(base === "" ? {} : { runbook_url: `${base}#${name.toLowerCase()}` }),
        },
    };
}

// Every selector carries the namespace and the kube-state-metrics selector: without the
// namespace, a CronJob of the same name elsewhere would alert; without the scrape selector, a
// second kube-state-metrics (or a federated copy) would double or fake series. Every series is
// reduced with `max by` before a join, so two kube-state-metrics replicas cannot cause
// "many-to-many matching not allowed".
class Queries {
    constructor(private readonly settings: Settings) {}

    failed(cronJobs: string[]): string {
        const failed = `kube_job_failed${this.sel(`condition="true"`)}`;
        return [
            `(max by (namespace, job_name) (${failed}) == 1)`,
            `* on (namespace, job_name) group_left (cronjob)`,
            this.owner(cronJobs),
        ].join("\n");
    }

    // A failed last run leaves lastScheduleTime later than lastSuccessfulTime (a completion
    // time), and CronJob status outlives the Job objects (TTL, history limit). While a run is
    // active the comparison says nothing yet, hence the active guard. The `unless` branch covers
    // a CronJob that has never succeeded.
    lastRunFailed(cronJobs: string[]): string {
        const scheduled = this.cronJob("kube_cronjob_status_last_schedule_time", cronJobs);
        const succeeded = this.cronJob("kube_cronjob_status_last_successful_time", cronJobs);
        const active = this.cronJob("kube_cronjob_status_active", cronJobs);
        return [
            `(`,
            `    ${scheduled} > ${succeeded}`,
            `  or`,
            `    ${scheduled} unless on (namespace, cronjob) ${succeeded}`,
            `)`,
            `and on (namespace, cronjob) (${active} == 0)`,
            `and on (namespace, cronjob) ${this.notSuspended(cronJobs)}`,
        ].join("\n");
    }

    // next_schedule_time is derived from lastScheduleTime, so it stays in the past when the
    // controller did not create the due Job (controller down, startingDeadlineSeconds passed,
    // Forbid while the previous run still runs).
    missedSchedule(cronJobs: string[], slackSeconds: number): string {
        const next = this.cronJob("kube_cronjob_next_schedule_time", cronJobs);
        return [
            `time() - ${next} > ${slackSeconds}`,
            `and on (namespace, cronjob) ${this.notSuspended(cronJobs)}`,
        ].join("\n");
    }

    runningTooLong(cronJob: string, thresholdSeconds: number): string {
        return [
            `(`,
            `    time() - max by (namespace, job_name) (kube_job_status_start_time${this.sel()})`,
            `    and on (namespace, job_name)`,
            `    (max by (namespace, job_name) (kube_job_status_active${this.sel()}) > 0)`,
            `)`,
            `* on (namespace, job_name) group_left (cronjob)`,
            this.owner([cronJob]),
            `> ${thresholdSeconds}`,
        ].join("\n");
    }

    beatDown(): string {
        const beat = this.sel(`deployment="${BEAT_NAME}"`);
        const available = `kube_deployment_status_replicas_available${beat}`;
        return `max by (namespace, deployment) (${available}) == 0`;
    }

    // The suspend flag as the cluster has it, so `kubectl patch ... suspend: true` also
    // silences the CronJob's schedule alerts.
    private notSuspended(cronJobs: string[]): string {
        return `(${this.cronJob("kube_cronjob_spec_suspend", cronJobs)} == 0)`;
    }

    private cronJob(metric: string, cronJobs: string[]): string {
        const selector = this.sel(nameMatcher("cronjob", cronJobs));
        return `max by (namespace, cronjob) (${metric}${selector})`;
    }

    // Job series carry job_name only; kube_job_owner names the owning CronJob. Job names are not
    // parsed for it, because a manual run (`kubectl create job --from=cronjob/...`) can have any
    // name.
    private owner(cronJobs: string[]): string {
        const owners = this.sel(`owner_kind="CronJob"`, nameMatcher("owner_name", cronJobs));
        return [
            `max by (namespace, job_name, cronjob) (`,
            `    label_replace(kube_job_owner${owners}, "cronjob", "$1", "owner_name", "(.+)")`,
            `)`,
        ].join("\n");
    }

    private sel(...matchers: string[]): string {
        const { namespace, monitoring } = this.settings;
        const all = [...matchers, `namespace="${namespace}"`, monitoring.kubeStateMetricsSelector];
        return `{${all.join(", ")}}`;
    }
}

// Object names are DNS labels (letters, digits, '-'), so they need no regex escaping.
function nameMatcher(label: string, names: string[]): string {
    return names.length === 1 ? `${label}="${names[0]}"` : `${label}=~"${names.join("|")}"`;
}
