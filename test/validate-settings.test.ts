import * as assert from "node:assert/strict";
import { DEFAULTS } from "../stacks/defaults";
import { SettingsError, validateSettings } from "../stacks/validate-settings";
import { MONITORING_ON, problemsOf, settingsWith } from "./fixtures";

const job = (fields: Record<string, unknown>) => ({ jobs: { automod: fields } });

// Each row: a stack's values, the full key the message must name, and words it must contain.
const BAD_INPUTS: [string, Record<string, unknown>, string, RegExp][] = [
    [
        "a four-field schedule",
        job({ schedule: "0 * * *" }),
        "jobs.automod.schedule",
        /4 field\(s\).*five fields/,
    ],
    [
        "a six-field schedule",
        job({ schedule: "0 0 * * * *" }),
        "jobs.automod.schedule",
        /6 field\(s\)/,
    ],
    [
        "a minute out of range",
        job({ schedule: "61 * * * *" }),
        "jobs.automod.schedule",
        /not a valid cron/,
    ],
    [
        "a TZ= prefix",
        job({ schedule: "TZ=Europe/Paris 0 3 * * *" }),
        "jobs.automod.schedule",
        /TZ=.*timeZone/,
    ],
    [
        "a CRON_TZ= prefix",
        job({ schedule: "CRON_TZ=UTC 0 3 * * *" }),
        "jobs.automod.schedule",
        /CRON_TZ/,
    ],
    ["an unknown macro", job({ schedule: "@minutely" }), "jobs.automod.schedule", /@hourly/],
    [
        "@every",
        job({ schedule: "@every 1h" }),
        "jobs.automod.schedule",
        /not a Kubernetes cron schedule/,
    ],
    ["Quartz L", job({ schedule: "0 0 L * *" }), "jobs.automod.schedule", /"L" in field 3/],
    ["Quartz #", job({ schedule: "0 0 * * 1#2" }), "jobs.automod.schedule", /"#"/],
    ["day-of-week 7", job({ schedule: "0 3 * * 7" }), "jobs.automod.schedule", /Sunday as 0/],
    [
        "a schedule that is a number",
        job({ schedule: 5 }),
        "jobs.automod.schedule",
        /must be a string \(given: 5\)/,
    ],
    [
        "an unknown time zone",
        job({ timeZone: "Mars/Olympus" }),
        "jobs.automod.timeZone",
        /not a known time zone/,
    ],
    ["the Local time zone", job({ timeZone: "Local" }), "jobs.automod.timeZone", /IANA/],
    [
        "a concurrency policy",
        job({ concurrencyPolicy: "Sometimes" }),
        "jobs.automod.concurrencyPolicy",
        /"Allow", "Forbid", "Replace"/,
    ],
    [
        "a negative history limit",
        job({ failedJobsHistoryLimit: -1 }),
        "jobs.automod.failedJobsHistoryLimit",
        /at least 0/,
    ],
    [
        "a fractional backoff",
        job({ backoffLimit: 1.5 }),
        "jobs.automod.backoffLimit",
        /whole number|int/,
    ],
    [
        "a numeric string",
        job({ ttlSecondsAfterFinished: "3600" }),
        "jobs.automod.ttlSecondsAfterFinished",
        /must be a number \(given: "3600"\)/,
    ],
    [
        "a deadline under 10 s",
        job({ startingDeadlineSeconds: 5 }),
        "jobs.automod.startingDeadlineSeconds",
        /every 10 seconds/,
    ],
    [
        "a zero active deadline",
        job({ activeDeadlineSeconds: 0 }),
        "jobs.automod.activeDeadlineSeconds",
        /at least 1/,
    ],
    ["a suspend string", job({ suspend: "yes" }), "jobs.automod.suspend", /true or false/],
    [
        "a bad CPU quantity",
        job({ resources: { requests: { cpu: "fast" } } }),
        "jobs.automod.resources.requests.cpu",
        /quantity/,
    ],
    [
        "a zero memory quantity",
        job({ resources: { limits: { memory: "0Mi" } } }),
        "jobs.automod.resources.limits.memory",
        /greater than zero/,
    ],
    [
        "a request above its limit",
        job({ resources: { requests: { memory: "1Gi" } } }),
        "jobs.automod.resources.requests.memory",
        /must not exceed .*limits\.memory/,
    ],
    [
        "a misspelt job key",
        job({ schedul: "0 * * * *" }),
        "jobs.automod.schedul",
        /did you mean "schedule"/,
    ],
    ["an unknown job", { jobs: { automood: {} } }, "jobs.automood", /did you mean "automod"/],
    [
        "an unknown top-level key",
        { imagePullPolicyy: "Always" },
        "imagePullPolicyy",
        /did you mean "imagePullPolicy"/,
    ],
    ["an upper-case namespace", { namespace: "BookWyrm" }, "namespace", /DNS-1123 label/],
    ["a namespace over 63 characters", { namespace: "a".repeat(64) }, "namespace", /at most 63/],
    ["an untagged image", { image: "ghcr.io/bookwyrm-social/bookwyrm" }, "image", /no tag/],
    ["a :latest image", { image: "ghcr.io/bookwyrm-social/bookwyrm:latest" }, "image", /:latest/],
    ["a registry port without tag", { image: "registry.local:5000/bookwyrm" }, "image", /no tag/],
    ["a malformed digest", { image: "bookwyrm@sha256:abc" }, "image", /digest/],
    [
        "a pull policy",
        { imagePullPolicy: "Sometimes" },
        "imagePullPolicy",
        /"Always", "IfNotPresent", "Never"/,
    ],
    [
        "a ConfigMap name",
        { envFrom: { configMaps: ["Bookwyrm_Env"] } },
        "envFrom.configMaps[0]",
        /DNS-1123 subdomain/,
    ],
    ["envFrom as a string", { envFrom: "bookwyrm-env" }, "envFrom", /must be an object/],
    [
        "a secret in plain env",
        { env: { POSTGRES_PASSWORD: "hunter2" } },
        "env.POSTGRES_PASSWORD",
        /Secret/,
    ],
    [
        "an env name with a dash",
        { env: { "MY-VAR": "1" } },
        "env.MY-VAR",
        /environment variable name/,
    ],
    ["root user", { podSecurity: { runAsUser: 0 } }, "podSecurity.runAsUser", /non-root/],
    [
        "a negative retention",
        { cleanup: { notificationRetentionDays: -1 } },
        "cleanup.notificationRetentionDays",
        /at least 0/,
    ],
    ["a zero batch size", { cleanup: { batchSize: 0 } }, "cleanup.batchSize", /at least 1/],
    ["beat.retain as a string", { beat: { retain: "true" } }, "beat.retain", /true or false/],
    [
        "monitoring without a runbook",
        { monitoring: { enabled: true } },
        "monitoring.runbookUrl",
        /required when monitoring.enabled/,
    ],
    [
        "a runbook that is no URL",
        { monitoring: { runbookUrl: "README.md" } },
        "monitoring.runbookUrl",
        /http/,
    ],
    [
        "a bad for window",
        { monitoring: { ...MONITORING_ON, alerts: { failed: { for: "15 minutes" } } } },
        "monitoring.alerts.failed.for",
        /Prometheus duration/,
    ],
    [
        "a bad severity",
        { monitoring: { alerts: { beatDown: { severity: "page" } } } },
        "monitoring.alerts.beatDown.severity",
        /"info", "warning", "critical"/,
    ],
    [
        "a deadline share over 1",
        { monitoring: { alerts: { runningTooLong: { deadlineShare: 1.5 } } } },
        "monitoring.alerts.runningTooLong.deadlineShare",
        /at most 1/,
    ],
    [
        "a selector that is no matcher",
        { monitoring: { kubeStateMetricsSelector: "kube-state-metrics" } },
        "monitoring.kubeStateMetricsSelector",
        /label matchers/,
    ],
    [
        "a label value with spaces",
        { monitoring: { labels: { release: "kube prometheus" } } },
        "monitoring.labels.release",
        /label value/,
    ],
    [
        "an alert label name with a dash",
        { monitoring: { alertLabels: { "my-team": "x" } } },
        "monitoring.alertLabels.my-team",
        /Prometheus label name/,
    ],
    [
        "an alert label the alerts set",
        { monitoring: { alertLabels: { severity: "page" } } },
        "monitoring.alertLabels.severity",
        /set by the alerts themselves/,
    ],
];

describe("validateSettings", () => {
    describe("rejects bad input and names the full key", () => {
        for (const [what, values, key, words] of BAD_INPUTS) {
            it(`rejects ${what}`, () => {
                const problems = problemsOf(values);
                const matching = problems.filter((p) => p.startsWith(`bookwyrm-cronjobs:${key}:`));
                assert.equal(
                    matching.length,
                    1,
                    `no single problem for ${key} in:\n${problems.join("\n")}`,
                );
                assert.match(matching[0], words);
            });
        }
    });

    it("reports every problem of one run together", () => {
        const values = {
            namespace: "Bad_Namespace",
            image: "bookwyrm:latest",
            jobs: { automod: { schedule: "often" }, dbCleanup: { backoffLimit: -2 } },
            beat: { retian: true },
        };
        let caught: unknown;
        try {
            validateSettings(values);
        } catch (error) {
            caught = error;
        }
        assert.ok(caught instanceof SettingsError);
        const keys = caught.problems.map((p) => p.split(": ")[0]).sort();
        assert.deepEqual(keys, [
            "bookwyrm-cronjobs:beat.retian",
            "bookwyrm-cronjobs:image",
            "bookwyrm-cronjobs:jobs.automod.schedule",
            "bookwyrm-cronjobs:jobs.dbCleanup.backoffLimit",
            "bookwyrm-cronjobs:namespace",
        ]);
        assert.match(caught.message, /^Invalid stack config \(5 problems\):\n  - /);
    });

    it("reports what was given", () => {
        const [problem] = problemsOf(job({ schedule: "0 * * *" }));
        assert.match(problem, /\(given: "0 \* \* \*"\)$/);
    });

    it("applies the documented defaults when a stack sets nothing", () => {
        const settings = settingsWith();
        assert.equal(settings.namespace, "bookwyrm-application");
        assert.equal(settings.jobs.automod.schedule, "0 */6 * * *");
        assert.equal(settings.jobs.updateCheck.schedule, "0 3 * * *");
        assert.equal(settings.jobs.dbCleanup.schedule, "0 2 * * 0");
        for (const name of ["automod", "updateCheck", "dbCleanup"] as const) {
            const j = settings.jobs[name];
            assert.equal(j.concurrencyPolicy, "Forbid");
            assert.equal(j.startingDeadlineSeconds, 600);
            assert.equal(j.timeZone, "Etc/UTC");
            assert.equal(j.suspend, false);
        }
        assert.deepEqual(settings.jobs.automod.resources.requests, { cpu: "50m", memory: "128Mi" });
        assert.deepEqual(settings.jobs.updateCheck.resources.requests, {
            cpu: "50m",
            memory: "128Mi",
        });
        assert.deepEqual(settings.jobs.dbCleanup.resources.requests, {
            cpu: "100m",
            memory: "256Mi",
        });
        assert.equal(settings.cleanup.notificationRetentionDays, 90);
        assert.equal(settings.beat.retain, false);
        assert.equal(settings.monitoring.enabled, false);
        assert.equal(settings.monitoring.namespace, "bookwyrm-application");
    });

    it("merges a partial job over its defaults without touching the other jobs", () => {
        const settings = settingsWith(job({ schedule: "0 * * * *" }));
        assert.equal(settings.jobs.automod.schedule, "0 * * * *");
        assert.equal(
            settings.jobs.automod.activeDeadlineSeconds,
            DEFAULTS.jobs.automod.activeDeadlineSeconds,
        );
        assert.equal(settings.jobs.updateCheck.schedule, DEFAULTS.jobs.updateCheck.schedule);
    });

    describe("accepts good edge cases", () => {
        const good: [string, Record<string, unknown>][] = [
            ["every macro", job({ schedule: "@hourly" })],
            ["@midnight", job({ schedule: "@midnight" })],
            ["names for month and weekday", job({ schedule: "30 4 1-7 jan,jul MON-FRI" })],
            ["steps and ranges", job({ schedule: "*/15 0-23/2 * * 0-6" })],
            ["a question mark", job({ schedule: "0 0 ? * *" })],
            ["another IANA zone", job({ timeZone: "America/Argentina/Buenos_Aires" })],
            [
                "zero history and zero TTL",
                job({ successfulJobsHistoryLimit: 0, ttlSecondsAfterFinished: 0 }),
            ],
            ["a deadline of exactly 10 s", job({ startingDeadlineSeconds: 10 })],
            [
                "decimal and exponent quantities",
                job({ resources: { requests: { cpu: "0.05", memory: "128e6" } } }),
            ],
            [
                "a digest-pinned image",
                { image: `ghcr.io/bookwyrm-social/bookwyrm@sha256:${"a".repeat(64)}` },
            ],
            ["a registry port and a tag", { image: "registry.local:5000/bookwyrm:v0.8.6" }],
            [
                "retention 0 (notifications off)",
                { cleanup: { notificationRetentionDays: 0, sessions: false } },
            ],
            ["a 63-character namespace", { namespace: "a".repeat(63) }],
            [
                "monitoring in another namespace",
                { monitoring: { ...MONITORING_ON, namespace: "monitoring" } },
            ],
            [
                "several selector matchers",
                { monitoring: { kubeStateMetricsSelector: 'job="ksm", cluster=~"prod.*"' } },
            ],
        ];
        for (const [what, values] of good) {
            it(`accepts ${what}`, () => assert.doesNotThrow(() => validateSettings(values)));
        }
    });

    it("warns, without failing, when no ConfigMap or Secret provides BookWyrm's settings", () => {
        const { warnings } = validateSettings({});
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /^bookwyrm-cronjobs:envFrom names no ConfigMap or Secret/);
        const configured = validateSettings({ envFrom: { secrets: ["bookwyrm-secrets"] } });
        assert.deepEqual(configured.warnings, []);
    });

    it("warns when a TTL would delete failed Jobs within the hour", () => {
        const { warnings } = validateSettings({
            envFrom: { secrets: ["s"] },
            ...job({ ttlSecondsAfterFinished: 60 }),
        });
        assert.deepEqual(warnings.length, 1);
        assert.match(warnings[0], /jobs\.automod\.ttlSecondsAfterFinished is 60/);
    });

    it("passes reading problems through with the rest", () => {
        assert.throws(
            () =>
                validateSettings({ namespace: "UPPER" }, [
                    "bookwyrm-cronjobs:jobs: must be an object",
                ]),
            (error: SettingsError) =>
                error.problems.length === 2 && error.problems[0].endsWith("must be an object"),
        );
    });
});
