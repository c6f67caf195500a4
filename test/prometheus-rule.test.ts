// The alert rules, checked twice: assertions on the rendered object, and promtool (the Prometheus
// parser and rule evaluator) on the same object's `.spec` written out as a rule file, fed with
// kube-state-metrics series that replay each failure mode.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { AlertRule } from "../components/kubernetes-object";
import {
    RULE_GROUP_NAME,
    alertRules,
    buildPrometheusRule,
    formatSeconds,
} from "../components/prometheus-rule";
import { Settings } from "../stacks/settings";
import { validateSettings } from "../stacks/validate-settings";

const NS = "bookwyrm-application";
const RUNBOOK = "https://example.org/README.md";
const AUTOMOD = "bookwyrm-automod";
const UPDATE_CHECK = "bookwyrm-update-check";
const DB_CLEANUP = "bookwyrm-db-cleanup";

type Labels = Record<string, string>;

/** Settings from DEFAULTS with monitoring on, plus `overrides` merged the way a stack is. */
function settingsWith(overrides: Record<string, unknown> = {}): Settings {
    const { monitoring, ...rest } = overrides;
    const raw = {
        ...rest,
        monitoring: { enabled: true, runbookUrl: RUNBOOK, ...(monitoring as object) },
    };
    return validateSettings(raw).settings;
}

function rulesNamed(settings: Settings, name: string): AlertRule[] {
    return alertRules(settings).filter((r) => r.alert === name);
}

// `name{label="value"}` selectors in a PromQL expression.
function selectorsOf(expr: string): string[] {
    return [...expr.matchAll(/\b([a-z_]+)\{([^}]*)\}/g)].map((m) => m[0]);
}

describe("buildPrometheusRule", () => {
    it("names the object and labels it for the rule selector", () => {
        const settings = settingsWith({
            monitoring: { namespace: "monitoring", labels: { release: "kps" } },
        });
        const rule = buildPrometheusRule(settings);
        assert.equal(rule.apiVersion, "monitoring.coreos.com/v1");
        assert.equal(rule.kind, "PrometheusRule");
        assert.equal(rule.metadata.name, "bookwyrm-cronjobs");
        assert.equal(rule.metadata.namespace, "monitoring");
        assert.equal(rule.metadata.labels["app.kubernetes.io/component"], "monitoring");
        assert.equal(rule.metadata.labels.release, "kps");
    });

    it("puts every rule in one group, with Prometheus 2.42 keys in a fixed order", () => {
        const spec = buildPrometheusRule(settingsWith({ beat: { retain: true } })).spec;
        const groups = spec.groups;
        assert.equal(groups.length, 1);
        assert.deepEqual(Object.keys(groups[0]), ["name", "rules"]);
        assert.equal(groups[0].name, RULE_GROUP_NAME);
        for (const r of groups[0].rules) {
            assert.deepEqual(
                Object.keys(r),
                ["alert", "expr", "for", "labels", "annotations"],
                r.alert,
            );
            assert.deepEqual(
                Object.keys(r.annotations),
                ["summary", "description", "runbook_url"],
                r.alert,
            );
        }
    });

    it("scopes every selector to the namespace and the kube-state-metrics selector", () => {
        const settings = settingsWith({
            namespace: "books",
            beat: { retain: true },
            monitoring: { kubeStateMetricsSelector: 'job="ksm", cluster="eu"' },
        });
        for (const r of alertRules(settings)) {
            const selectors = selectorsOf(r.expr);
            assert.ok(selectors.length > 0, `${r.alert} has selectors`);
            for (const s of selectors) {
                assert.ok(s.includes('namespace="books"'), `${r.alert}: ${s}`);
                assert.ok(s.includes('job="ksm", cluster="eu"'), `${r.alert}: ${s}`);
            }
        }
    });

    it("limits the CronJob and Job alerts to this component's CronJobs", () => {
        const names = `${AUTOMOD}|${UPDATE_CHECK}|${DB_CLEANUP}`;
        const settings = settingsWith();
        assert.match(
            rulesNamed(settings, "BookWyrmCronJobFailed")[0].expr,
            new RegExp(`owner_name=~"${names}"`),
        );
        assert.match(
            rulesNamed(settings, "BookWyrmCronJobMissedSchedule")[0].expr,
            new RegExp(`cronjob=~"${names}"`),
        );
        assert.match(
            rulesNamed(settings, "BookWyrmCronJobLastRunFailed")[0].expr,
            new RegExp(`cronjob=~"${names}"`),
        );
    });

    it("builds the failed-Job alert on the Failed condition, never on the failed-pod count", () => {
        const rules = alertRules(settingsWith());
        assert.ok(rules.every((r) => !r.expr.includes("kube_job_status_failed")));
        assert.match(
            rulesNamed(settingsWith(), "BookWyrmCronJobFailed")[0].expr,
            /kube_job_failed\{condition="true"/,
        );
    });

    it("takes severity and for from each alert's config and adds the alert labels", () => {
        const settings = settingsWith({
            beat: { retain: true },
            monitoring: {
                alertLabels: { team: "bookwyrm" },
                alerts: {
                    failed: { severity: "critical", for: "1m" },
                    lastRunFailed: { for: "2m" },
                    missedSchedule: { for: "3m" },
                    runningTooLong: { severity: "info", for: "4m" },
                    beatDown: { severity: "warning", for: "10m" },
                },
            },
        });
        const got = alertRules(settings).map((r) => [
            r.alert,
            r.for,
            r.labels.severity,
            r.labels.team,
        ]);
        assert.deepEqual(got, [
            ["BookWyrmCronJobFailed", "1m", "critical", "bookwyrm"],
            ["BookWyrmCronJobLastRunFailed", "2m", "warning", "bookwyrm"],
            ["BookWyrmCronJobMissedSchedule", "3m", "warning", "bookwyrm"],
            ["BookWyrmCronJobRunningTooLong", "4m", "info", "bookwyrm"],
            ["BookWyrmCronJobRunningTooLong", "4m", "info", "bookwyrm"],
            ["BookWyrmCronJobRunningTooLong", "4m", "info", "bookwyrm"],
            ["BookWyrmBeatDown", "10m", "warning", "bookwyrm"],
        ]);
    });

    it("links every alert to its README section and gives it a static summary", () => {
        for (const r of alertRules(settingsWith({ beat: { retain: true } }))) {
            assert.equal(r.annotations.runbook_url, `${RUNBOOK}#${r.alert.toLowerCase()}`);
            assert.match(r.annotations.summary, /^[^{}]+\.$/, r.alert);
            assert.match(r.annotations.description, /\{\{ \$labels\.namespace \}\}\//, r.alert);
        }
    });

    it("includes BookWyrmBeatDown only while beat is retained", () => {
        const retained = rulesNamed(settingsWith({ beat: { retain: true } }), "BookWyrmBeatDown");
        assert.equal(retained.length, 1);
        assert.match(
            retained[0].expr,
            /kube_deployment_status_replicas_available\{deployment="bookwyrm-beat"/,
        );
        assert.deepEqual(
            rulesNamed(settingsWith({ beat: { retain: false } }), "BookWyrmBeatDown"),
            [],
        );
    });

    it("uses each job's own activeDeadlineSeconds for its running-too-long threshold", () => {
        const settings = settingsWith({
            jobs: { automod: { activeDeadlineSeconds: 1000 } },
            monitoring: { alerts: { runningTooLong: { deadlineShare: 0.5 } } },
        });
        const rules = rulesNamed(settings, "BookWyrmCronJobRunningTooLong");
        const byCronJob = Object.fromEntries(rules.map((r) => [r.labels.cronjob, r]));
        assert.deepEqual(Object.keys(byCronJob), [AUTOMOD, UPDATE_CHECK, DB_CLEANUP]);
        assert.match(byCronJob[AUTOMOD].expr, /owner_name="bookwyrm-automod"[^]*\n> 500$/);
        assert.match(byCronJob[UPDATE_CHECK].expr, /\n> 150$/);
        assert.match(byCronJob[DB_CLEANUP].expr, /\n> 1800$/);
        assert.match(
            byCronJob[AUTOMOD].annotations.description,
            /longer than 50% of its activeDeadlineSeconds \(8m 20s of 16m 40s\)/,
        );
    });

    it("states the missed-schedule slack from the same number as the threshold", () => {
        const settings = settingsWith({
            monitoring: { alerts: { missedSchedule: { slackSeconds: 5400 } } },
        });
        const [r] = rulesNamed(settings, "BookWyrmCronJobMissedSchedule");
        assert.match(r.expr, / > 5400\n/);
        assert.match(r.annotations.description, /more than 1h 30m of delay counts as missed\.$/);
    });

    it("keeps a suspended job's Failed and deadline alerts, not its schedule alerts", () => {
        const settings = settingsWith({ jobs: { automod: { suspend: true } } });
        for (const name of ["BookWyrmCronJobMissedSchedule", "BookWyrmCronJobLastRunFailed"]) {
            const [r] = rulesNamed(settings, name);
            assert.match(r.expr, /cronjob=~"bookwyrm-update-check\|bookwyrm-db-cleanup"/, name);
            assert.ok(!r.expr.includes(AUTOMOD), name);
        }
        assert.ok(rulesNamed(settings, "BookWyrmCronJobFailed")[0].expr.includes(AUTOMOD));
        assert.equal(
            rulesNamed(settings, "BookWyrmCronJobRunningTooLong")[0].labels.cronjob,
            AUTOMOD,
        );
    });

    it("drops the schedule alerts entirely when every job is suspended", () => {
        const suspended = { suspend: true };
        const settings = settingsWith({
            jobs: { automod: suspended, updateCheck: suspended, dbCleanup: suspended },
        });
        const names = alertRules(settings).map((r) => r.alert);
        assert.ok(!names.includes("BookWyrmCronJobMissedSchedule"));
        assert.ok(!names.includes("BookWyrmCronJobLastRunFailed"));
        assert.ok(names.includes("BookWyrmCronJobFailed"));
    });
});

describe("formatSeconds", () => {
    it("writes whole units and skips the empty ones", () => {
        assert.equal(formatSeconds(0), "0s");
        assert.equal(formatSeconds(45), "45s");
        assert.equal(formatSeconds(900), "15m");
        assert.equal(formatSeconds(5400), "1h 30m");
        assert.equal(formatSeconds(172801), "2d 1s");
    });
});

// --- promtool -------------------------------------------------------------------------------

interface InputSeries {
    series: string;
    values: string;
}

interface ExpectedAlert {
    exp_labels: Labels;
    exp_annotations: Labels;
}

interface AlertCheck {
    eval_time: string;
    alertname: string;
    exp_alerts: ExpectedAlert[];
}

/** Runs promtool, and fails (never skips) the test when it is not installed. */
function promtool(args: string[], cwd: string): string {
    const run = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
        const hint = "run `apt-get install -y prometheus` (Debian ships promtool 2.42)";
        throw new Error(`promtool is not installed; ${hint}`);
    }
    if (run.error) throw run.error;
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, `promtool ${args.join(" ")} failed:\n${output}`);
    return output;
}

let workDir = "";

/**
 * Writes `settings`' rule file and one promtool test group into a fresh directory, checks the
 * rules with lint errors fatal, then runs the test. The rule file is the `.spec` of the object
 * buildPrometheusRule returns, so promtool sees exactly what the cluster would get.
 */
function runRuleTest(settings: Settings, inputSeries: InputSeries[], checks: AlertCheck[]): void {
    const dir = fs.mkdtempSync(path.join(workDir, "case-"));
    const ruleFile = stringify(buildPrometheusRule(settings).spec, { lineWidth: 0 });
    fs.writeFileSync(path.join(dir, "rules.yaml"), ruleFile);
    const testFile = {
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: [{ interval: "1m", input_series: inputSeries, alert_rule_test: checks }],
    };
    fs.writeFileSync(path.join(dir, "tests.yaml"), stringify(testFile, { lineWidth: 0 }));
    promtool(["check", "rules", "--lint-fatal", "rules.yaml"], dir);
    promtool(["test", "rules", "tests.yaml"], dir);
}

// kube-state-metrics series; namespace and job default to this component's namespace and the
// default scrape job, and `labels` may override both.
function series(metric: string, labels: Labels, values: string): InputSeries {
    const all: Labels = { namespace: NS, job: "kube-state-metrics", ...labels };
    const matchers = Object.entries(all).map(([k, v]) => `${k}="${v}"`);
    return { series: `${metric}{${matchers.join(",")}}`, values };
}

/** The owner series of a Job that `cronjob` created. */
function ownedJob(
    jobName: string,
    cronjob: string,
    values: string,
    labels: Labels = {},
): InputSeries {
    const owner = { owner_kind: "CronJob", owner_name: cronjob, owner_is_controller: "true" };
    return series("kube_job_owner", { job_name: jobName, ...owner, ...labels }, values);
}

/**
 * kube_job_failed as kube-state-metrics emits it once the Job has the Failed condition: `values`
 * for condition="true" (1 while present), and 0 for condition="false" at the same times.
 */
function failedCondition(jobName: string, values: string, labels: Labels = {}): InputSeries[] {
    const job = { job_name: jobName, ...labels };
    return [
        series("kube_job_failed", { ...job, condition: "true" }, values),
        series("kube_job_failed", { ...job, condition: "false" }, values.replace(/\b1x/g, "0x")),
    ];
}

interface CronJobStatus {
    lastSchedule?: string;
    lastSuccess?: string;
    active?: string;
    suspend?: string;
    next?: string;
}

function cronJobStatus(cronjob: string, status: CronJobStatus, labels: Labels = {}): InputSeries[] {
    const metrics: [keyof CronJobStatus, string][] = [
        ["lastSchedule", "kube_cronjob_status_last_schedule_time"],
        ["lastSuccess", "kube_cronjob_status_last_successful_time"],
        ["active", "kube_cronjob_status_active"],
        ["suspend", "kube_cronjob_spec_suspend"],
        ["next", "kube_cronjob_next_schedule_time"],
    ];
    return metrics
        .filter(([key]) => status[key] !== undefined)
        .map(([key, metric]) => series(metric, { cronjob, ...labels }, status[key] as string));
}

/** An expected firing alert; summary and runbook_url are static and come from the rule. */
function firing(
    settings: Settings,
    alertname: string,
    labels: Labels,
    description: string,
): ExpectedAlert {
    const [r] = rulesNamed(settings, alertname);
    return {
        exp_labels: { severity: r.labels.severity, namespace: NS, ...labels },
        exp_annotations: {
            summary: r.annotations.summary,
            description,
            runbook_url: `${RUNBOOK}#${alertname.toLowerCase()}`,
        },
    };
}

function silent(alertname: string, ...evalTimes: string[]): AlertCheck[] {
    return evalTimes.map((t) => ({ eval_time: t, alertname, exp_alerts: [] }));
}

const FAILED = "BookWyrmCronJobFailed";
const LAST_RUN_FAILED = "BookWyrmCronJobLastRunFailed";
const MISSED = "BookWyrmCronJobMissedSchedule";
const TOO_LONG = "BookWyrmCronJobRunningTooLong";
const BEAT_DOWN = "BookWyrmBeatDown";

// The descriptions as promtool renders them, written out in full.
const failedText = (job: string, cronjob: string) =>
    `Job ${NS}/${job} of CronJob ${cronjob} has the Failed condition: its pods failed more ` +
    "often than backoffLimit allows, or it ran past activeDeadlineSeconds. The alert lasts as " +
    "long as the Job object; deleting the Job clears it.";
const lastRunText = (cronjob: string, scheduledAt: string) =>
    `The last run of CronJob ${NS}/${cronjob}, scheduled at ${scheduledAt}, finished without ` +
    "succeeding. The alert stays until a run succeeds, even after the failed Job has been deleted.";
const missedText = (cronjob: string, late: string, slack: string) =>
    `CronJob ${NS}/${cronjob} should have started a run ${late} ago; more than ${slack} of ` +
    "delay counts as missed.";
const tooLongText = (
    job: string,
    cronjob: string,
    running: string,
    limit: string,
    deadline: string,
) =>
    `Job ${NS}/${job} of CronJob ${cronjob} has been running for ${running}, longer than 80% of ` +
    `its activeDeadlineSeconds (${limit} of ${deadline}). Kubernetes stops it at ${deadline} and ` +
    "marks it failed.";
const beatDownText =
    `Deployment ${NS}/bookwyrm-beat has no available replica, so the periodic tasks still left ` +
    "to Celery beat are not being scheduled.";
const AT_10M = "1970-01-01 00:10:00 +0000 UTC";

describe("alert rules under promtool", function () {
    this.timeout(20000);

    before(() => {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "bookwyrm-rules-"));
    });
    after(() => {
        if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    });

    it("accepts the rule file for default, beat-retained and all-suspended settings", () => {
        const suspended = { suspend: true };
        for (const settings of [
            settingsWith(),
            settingsWith({ beat: { retain: true } }),
            settingsWith({
                jobs: { automod: suspended, updateCheck: suspended, dbCleanup: suspended },
            }),
        ]) {
            runRuleTest(settings, [], []);
        }
    });

    it("fires BookWyrmCronJobFailed for a failed automod Job, with labels and annotations", () => {
        const settings = settingsWith({ monitoring: { alertLabels: { team: "bookwyrm" } } });
        const job = `${AUTOMOD}-29000000`;
        runRuleTest(
            settings,
            [ownedJob(job, AUTOMOD, "1x30"), ...failedCondition(job, "_x10 1x20")],
            [
                ...silent(FAILED, "9m"),
                {
                    eval_time: "10m",
                    alertname: FAILED,
                    exp_alerts: [
                        firing(
                            settings,
                            FAILED,
                            { team: "bookwyrm", cronjob: AUTOMOD, job_name: job },
                            failedText(job, AUTOMOD),
                        ),
                    ],
                },
            ],
        );
    });

    it("stays silent for a Job whose pod failed once before a retry succeeded", () => {
        const job = `${AUTOMOD}-29000000`;
        runRuleTest(
            settingsWith(),
            [
                ownedJob(job, AUTOMOD, "1x30"),
                // The failed-pod count stays 1 for good; the Job gets Complete, never Failed.
                series("kube_job_status_failed", { job_name: job, reason: "" }, "0x4 1x25"),
                series("kube_job_status_succeeded", { job_name: job }, "0x9 1x20"),
                series("kube_job_complete", { job_name: job, condition: "true" }, "_x10 1x20"),
                ...cronJobStatus(AUTOMOD, {
                    lastSchedule: "0x30",
                    lastSuccess: "_x10 600x20",
                    active: "1x9 0x20",
                    suspend: "0x30",
                }),
            ],
            [...silent(FAILED, "5m", "15m", "30m"), ...silent(LAST_RUN_FAILED, "5m", "15m", "30m")],
        );
    });

    it("ignores failed Jobs of another namespace, another CronJob or no owner", () => {
        const other = { namespace: "other-app" };
        const noOwner = { owner_kind: "", owner_name: "", owner_is_controller: "" };
        runRuleTest(
            settingsWith(),
            [
                ownedJob(`${AUTOMOD}-1`, AUTOMOD, "1x20", other),
                ...failedCondition(`${AUTOMOD}-1`, "1x20", other),
                ownedJob("nightly-report-1", "nightly-report", "1x20"),
                ...failedCondition("nightly-report-1", "1x20"),
                series("kube_job_owner", { job_name: "adhoc", ...noOwner }, "1x20"),
                ...failedCondition("adhoc", "1x20"),
            ],
            silent(FAILED, "10m"),
        );
    });

    it("keeps LastRunFailed after TTL deletes the failed Job, until the next success", () => {
        // given: a run scheduled at 10m fails at 15m; its Job is deleted at 25m; the next run,
        // scheduled at 40m, succeeds at 45m.
        const settings = settingsWith();
        const job = `${AUTOMOD}-10`;
        const input = [
            ...cronJobStatus(AUTOMOD, {
                lastSchedule: "0x9 600x30 2400x21",
                lastSuccess: "120x44 2700x16",
                active: "0x9 1x4 0x25 1x4 0x16",
                suspend: "0x60",
            }),
            ownedJob(job, AUTOMOD, "_x10 1x15"),
            ...failedCondition(job, "_x15 1x10"),
        ];
        const lastRun = firing(
            settings,
            LAST_RUN_FAILED,
            { cronjob: AUTOMOD },
            lastRunText(AUTOMOD, AT_10M),
        );
        const failedJob = firing(
            settings,
            FAILED,
            { cronjob: AUTOMOD, job_name: job },
            failedText(job, AUTOMOD),
        );
        // then
        runRuleTest(settings, input, [
            ...silent(LAST_RUN_FAILED, "14m"),
            { eval_time: "15m", alertname: LAST_RUN_FAILED, exp_alerts: [lastRun] },
            { eval_time: "15m", alertname: FAILED, exp_alerts: [failedJob] },
            ...silent(FAILED, "35m"),
            { eval_time: "35m", alertname: LAST_RUN_FAILED, exp_alerts: [lastRun] },
            ...silent(LAST_RUN_FAILED, "42m", "50m", "60m"),
        ]);
    });

    it("fires LastRunFailed for a CronJob whose runs have never succeeded", () => {
        const settings = settingsWith();
        runRuleTest(
            settings,
            cronJobStatus(UPDATE_CHECK, {
                lastSchedule: "0x4 300x30",
                active: "0x4 1x2 0x28",
                suspend: "0x34",
            }),
            [
                ...silent(LAST_RUN_FAILED, "7m"),
                {
                    eval_time: "8m",
                    alertname: LAST_RUN_FAILED,
                    exp_alerts: [
                        firing(
                            settings,
                            LAST_RUN_FAILED,
                            { cronjob: UPDATE_CHECK },
                            lastRunText(UPDATE_CHECK, "1970-01-01 00:05:00 +0000 UTC"),
                        ),
                    ],
                },
            ],
        );
    });

    it("never counts a CronJob suspended in the stack or with kubectl as missed", () => {
        // automod was suspended with `kubectl patch`; db-cleanup is suspended in the stack config.
        // Both report a next run long past, as an older kube-state-metrics would.
        const settings = settingsWith({ jobs: { dbCleanup: { suspend: true } } });
        runRuleTest(
            settings,
            [
                ...cronJobStatus(AUTOMOD, { next: "600x120", suspend: "1x120" }),
                ...cronJobStatus(DB_CLEANUP, { next: "600x120", suspend: "1x120" }),
            ],
            silent(MISSED, "30m", "120m"),
        );
    });

    it("fires MissedSchedule once an unsuspended run is overdue beyond the slack", () => {
        // given: automod was due at 10m and never started; update-check is due in the future.
        const settings = settingsWith({
            monitoring: { alerts: { missedSchedule: { slackSeconds: 1200 } } },
        });
        const input = [
            ...cronJobStatus(AUTOMOD, { next: "600x40", suspend: "0x40" }),
            ...cronJobStatus(UPDATE_CHECK, { next: "3600x40", suspend: "0x40" }),
        ];
        // then: 30m is exactly 20m late, not more.
        runRuleTest(settings, input, [
            ...silent(MISSED, "30m"),
            {
                eval_time: "31m",
                alertname: MISSED,
                exp_alerts: [
                    firing(
                        settings,
                        MISSED,
                        { cronjob: AUTOMOD },
                        missedText(AUTOMOD, "21m 0s", "20m"),
                    ),
                ],
            },
        ]);
    });

    it("fires RunningTooLong past each job's own share of its deadline", () => {
        // given: defaults, so automod (1800 s) alerts after 1440 s and update-check (300 s) after
        // 240 s. An automod run starts at 0m; an update-check run starts at 10m and is stopped at
        // its deadline at 15m; an older automod run has finished.
        const settings = settingsWith();
        const automodJob = `${AUTOMOD}-0`;
        const updateJob = `${UPDATE_CHECK}-10`;
        const input = [
            ownedJob(automodJob, AUTOMOD, "1x40"),
            series("kube_job_status_start_time", { job_name: automodJob }, "0x40"),
            series("kube_job_status_active", { job_name: automodJob }, "1x40"),
            ownedJob(updateJob, UPDATE_CHECK, "_x10 1x30"),
            series("kube_job_status_start_time", { job_name: updateJob }, "_x10 600x30"),
            series("kube_job_status_active", { job_name: updateJob }, "_x10 1x5 0x25"),
            ownedJob(`${AUTOMOD}-done`, AUTOMOD, "1x40"),
            series("kube_job_status_start_time", { job_name: `${AUTOMOD}-done` }, "0x40"),
            series("kube_job_status_active", { job_name: `${AUTOMOD}-done` }, "0x40"),
        ];
        const automodAlert = firing(
            settings,
            TOO_LONG,
            { cronjob: AUTOMOD, job_name: automodJob },
            tooLongText(automodJob, AUTOMOD, "25m 0s", "24m", "30m"),
        );
        const updateAlert = firing(
            settings,
            TOO_LONG,
            { cronjob: UPDATE_CHECK, job_name: updateJob },
            tooLongText(updateJob, UPDATE_CHECK, "5m 0s", "4m", "5m"),
        );
        // then: at 15m the automod run (15m in) is below its share although past update-check's.
        runRuleTest(settings, input, [
            ...silent(TOO_LONG, "14m"),
            { eval_time: "15m", alertname: TOO_LONG, exp_alerts: [updateAlert] },
            ...silent(TOO_LONG, "16m", "24m"),
            { eval_time: "25m", alertname: TOO_LONG, exp_alerts: [automodAlert] },
        ]);
    });

    const beatSeries = [
        series(
            "kube_deployment_status_replicas_available",
            { deployment: "bookwyrm-beat" },
            "1x9 0x20",
        ),
        series(
            "kube_deployment_status_replicas_available",
            { deployment: "bookwyrm-beat", namespace: "other-app" },
            "0x30",
        ),
    ];

    it("fires BookWyrmBeatDown after its for window while beat is retained", () => {
        const settings = settingsWith({ beat: { retain: true } });
        const down = firing(settings, BEAT_DOWN, { deployment: "bookwyrm-beat" }, beatDownText);
        runRuleTest(settings, beatSeries, [
            ...silent(BEAT_DOWN, "9m", "14m"),
            { eval_time: "15m", alertname: BEAT_DOWN, exp_alerts: [down] },
        ]);
    });

    it("never fires BookWyrmBeatDown once beat is no longer retained", () => {
        runRuleTest(
            settingsWith({ beat: { retain: false } }),
            beatSeries,
            silent(BEAT_DOWN, "15m", "30m"),
        );
    });

    // Series that trip every alert at 30m: a failed automod Job, a long automod run, a failed
    // last update-check run, an overdue db-cleanup and beat without replicas.
    function everythingWrong(job: string): InputSeries[] {
        const scrape = { job };
        return [
            ownedJob(`${AUTOMOD}-1`, AUTOMOD, "1x30", scrape),
            ...failedCondition(`${AUTOMOD}-1`, "1x30", scrape),
            ownedJob(`${AUTOMOD}-2`, AUTOMOD, "1x30", scrape),
            series("kube_job_status_start_time", { job_name: `${AUTOMOD}-2`, ...scrape }, "0x30"),
            series("kube_job_status_active", { job_name: `${AUTOMOD}-2`, ...scrape }, "1x30"),
            ...cronJobStatus(
                UPDATE_CHECK,
                { lastSchedule: "600x30", lastSuccess: "0x30", active: "0x30", suspend: "0x30" },
                scrape,
            ),
            ...cronJobStatus(DB_CLEANUP, { next: "600x30", suspend: "0x30" }, scrape),
            series(
                "kube_deployment_status_replicas_available",
                { deployment: "bookwyrm-beat", ...scrape },
                "0x30",
            ),
        ];
    }
    const customSelector = () =>
        settingsWith({
            beat: { retain: true },
            monitoring: { kubeStateMetricsSelector: 'job="ksm-bookwyrm"' },
        });

    it("fires every alert for series of the configured kube-state-metrics selector", () => {
        const settings = customSelector();
        const at30 = (alertname: string, labels: Labels, description: string): AlertCheck => ({
            eval_time: "30m",
            alertname,
            exp_alerts: [firing(settings, alertname, labels, description)],
        });
        runRuleTest(settings, everythingWrong("ksm-bookwyrm"), [
            at30(
                FAILED,
                { cronjob: AUTOMOD, job_name: `${AUTOMOD}-1` },
                failedText(`${AUTOMOD}-1`, AUTOMOD),
            ),
            at30(LAST_RUN_FAILED, { cronjob: UPDATE_CHECK }, lastRunText(UPDATE_CHECK, AT_10M)),
            at30(MISSED, { cronjob: DB_CLEANUP }, missedText(DB_CLEANUP, "20m 0s", "15m")),
            at30(
                TOO_LONG,
                { cronjob: AUTOMOD, job_name: `${AUTOMOD}-2` },
                tooLongText(`${AUTOMOD}-2`, AUTOMOD, "30m 0s", "24m", "30m"),
            ),
            at30(BEAT_DOWN, { deployment: "bookwyrm-beat" }, beatDownText),
        ]);
    });

    it("stays silent for the same series scraped under another job label", () => {
        const checks = [FAILED, LAST_RUN_FAILED, MISSED, TOO_LONG, BEAT_DOWN].flatMap((name) =>
            silent(name, "30m"),
        );
        runRuleTest(customSelector(), everythingWrong("kube-state-metrics"), checks);
    });
});
