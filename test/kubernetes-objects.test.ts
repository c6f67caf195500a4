import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { CronJobObject, DeploymentObject, KubernetesObject } from "../components/kubernetes-object";
import { buildKubernetesObjects } from "../components/kubernetes-objects";
import { TASK_SCRIPTS } from "../components/task-scripts";
import { MONITORING_ON, settingsWith } from "./fixtures";

const ALL_ON = { beat: { retain: true }, monitoring: MONITORING_ON };

function cronJob(objects: KubernetesObject[], name: string): CronJobObject {
    const found = objects.find((o) => o.kind === "CronJob" && o.metadata.name === name);
    assert.ok(found, `no CronJob ${name}`);
    return found as CronJobObject;
}

// The pod spec of a CronJob or Deployment, with the nested Input types narrowed to plain values.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function podSpec(object: CronJobObject | DeploymentObject): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const spec = object.spec as any;
    return object.kind === "CronJob" ? spec.jobTemplate.spec.template.spec : spec.template.spec;
}

/** Validates an object against the Kubernetes (or prometheus-operator) OpenAPI schema. */
function validateSchema(object: KubernetesObject): void {
    // The model classes take plain JSON; a round trip drops nothing but undefined fields.
    const json = JSON.parse(JSON.stringify(object));
    if (object.kind === "CronJob") new CronJob(json).validate();
    else if (object.kind === "Deployment") new Deployment(json).validate();
    else new PrometheusRule(json).validate();
}

describe("buildKubernetesObjects", () => {
    it("creates the three CronJobs with fixed names in a stable order", () => {
        const objects = buildKubernetesObjects(settingsWith());
        assert.deepEqual(
            objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
            [
                "CronJob/bookwyrm-application/bookwyrm-automod",
                "CronJob/bookwyrm-application/bookwyrm-update-check",
                "CronJob/bookwyrm-application/bookwyrm-db-cleanup",
            ],
        );
        for (const o of objects)
            assert.ok(o.metadata.name.length <= 52, `${o.metadata.name} over 52 characters`);
    });

    it("adds the beat Deployment and the PrometheusRule only when config asks", () => {
        const kinds = (values: Record<string, unknown>) =>
            buildKubernetesObjects(settingsWith(values)).map((o) => o.kind);
        assert.deepEqual(kinds({}), ["CronJob", "CronJob", "CronJob"]);
        assert.deepEqual(kinds({ beat: { retain: true } }), [
            "CronJob",
            "CronJob",
            "CronJob",
            "Deployment",
        ]);
        assert.deepEqual(kinds({ monitoring: MONITORING_ON }), [
            "CronJob",
            "CronJob",
            "CronJob",
            "PrometheusRule",
        ]);
        assert.deepEqual(kinds(ALL_ON), [
            "CronJob",
            "CronJob",
            "CronJob",
            "Deployment",
            "PrometheusRule",
        ]);
    });

    it("puts the PrometheusRule in the monitoring namespace with the extra labels", () => {
        const objects = buildKubernetesObjects(
            settingsWith({
                monitoring: {
                    ...MONITORING_ON,
                    namespace: "monitoring",
                    labels: { release: "kps" },
                },
            }),
        );
        const rule = objects.find((o) => o.kind === "PrometheusRule");
        assert.equal(rule?.metadata.namespace, "monitoring");
        assert.equal(rule?.metadata.labels.release, "kps");
    });

    it("passes the Kubernetes and prometheus-operator OpenAPI schemas", () => {
        for (const object of buildKubernetesObjects(settingsWith(ALL_ON))) validateSchema(object);
    });

    it("fails the schema check for a broken object (the check can fail)", () => {
        const [automod] = buildKubernetesObjects(settingsWith()) as CronJobObject[];
        const broken = {
            ...automod,
            spec: { ...automod.spec, concurrencyPolicy: "Sometimes" },
        } as CronJobObject;
        assert.throws(
            () => validateSchema(broken),
            /concurrencyPolicy must be equal to one of the allowed values/,
        );
    });

    it("writes every CronJob field from settings, suspend and timeZone included", () => {
        const settings = settingsWith({
            jobs: {
                updateCheck: {
                    schedule: "0 3 * * 0",
                    timeZone: "Europe/Paris",
                    suspend: true,
                    concurrencyPolicy: "Replace",
                    startingDeadlineSeconds: 120,
                    successfulJobsHistoryLimit: 1,
                    failedJobsHistoryLimit: 5,
                    ttlSecondsAfterFinished: 7200,
                    backoffLimit: 0,
                    activeDeadlineSeconds: 60,
                },
            },
        });
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const spec = cronJob(buildKubernetesObjects(settings), "bookwyrm-update-check").spec as any;
        assert.equal(spec.schedule, "0 3 * * 0");
        assert.equal(spec.timeZone, "Europe/Paris");
        assert.equal(spec.suspend, true);
        assert.equal(spec.concurrencyPolicy, "Replace");
        assert.equal(spec.startingDeadlineSeconds, 120);
        assert.equal(spec.successfulJobsHistoryLimit, 1);
        assert.equal(spec.failedJobsHistoryLimit, 5);
        assert.equal(spec.jobTemplate.spec.ttlSecondsAfterFinished, 7200);
        assert.equal(spec.jobTemplate.spec.backoffLimit, 0);
        assert.equal(spec.jobTemplate.spec.activeDeadlineSeconds, 60);
    });

    it("writes suspend: false explicitly, so a manual patch does not keep the field", () => {
        for (const object of buildKubernetesObjects(settingsWith()) as CronJobObject[]) {
            assert.equal(object.spec.suspend, false, object.metadata.name);
            assert.equal(object.spec.timeZone, "Etc/UTC", object.metadata.name);
        }
    });

    it("runs each task through manage.py shell in /app", () => {
        const objects = buildKubernetesObjects(settingsWith());
        const expected: [string, RegExp][] = [
            [
                "bookwyrm-automod",
                /from bookwyrm\.models\.antispam import automod_task\nautomod_task\(\)/,
            ],
            [
                "bookwyrm-update-check",
                /from bookwyrm\.models\.site import check_for_updates_task.*\ncheck_for_updates_task\(\)/,
            ],
            [
                "bookwyrm-db-cleanup",
                /Notification\.objects\.filter\(read=True, updated_date__lt=cutoff\)/,
            ],
        ];
        for (const [name, script] of expected) {
            const container = podSpec(cronJob(objects, name)).containers[0];
            assert.deepEqual(container.command.slice(0, 4), ["python", "manage.py", "shell", "-c"]);
            assert.match(container.command[4], script);
            assert.equal(container.workingDir, "/app");
            assert.equal(container.image, "ghcr.io/bookwyrm-social/bookwyrm:v0.9.2");
        }
    });

    it("gives the cleanup its retention, batch size and dry-run switch as environment", () => {
        const settings = settingsWith({
            cleanup: {
                dryRun: true,
                sessions: false,
                notificationRetentionDays: 30,
                batchSize: 200,
            },
        });
        const env = podSpec(cronJob(buildKubernetesObjects(settings), "bookwyrm-db-cleanup"))
            .containers[0].env;
        const byName = Object.fromEntries(
            env.map((e: { name: string; value: string }) => [e.name, e.value]),
        );
        assert.equal(byName.CLEANUP_DRY_RUN, "true");
        assert.equal(byName.CLEANUP_SESSIONS, "false");
        assert.equal(byName.CLEANUP_NOTIFICATION_RETENTION_DAYS, "30");
        assert.equal(byName.CLEANUP_BATCH_SIZE, "200");
    });

    it("meets Pod Security 'restricted' in every pod", () => {
        for (const object of buildKubernetesObjects(
            settingsWith({ ...ALL_ON, podSecurity: { runAsUser: 4242, runAsGroup: 4343 } }),
        )) {
            if (object.kind === "PrometheusRule") continue;
            const pod = podSpec(object);
            assert.equal(pod.securityContext.runAsNonRoot, true);
            assert.equal(pod.securityContext.runAsUser, 4242);
            assert.equal(pod.securityContext.runAsGroup, 4343);
            assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
            assert.equal(pod.automountServiceAccountToken, false);
            assert.deepEqual(pod.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
            for (const container of pod.containers) {
                assert.deepEqual(container.securityContext, {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                });
                assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
                assert.ok(container.resources.limits.cpu && container.resources.limits.memory);
                assert.deepEqual(container.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
            }
        }
    });

    it("takes env from the named ConfigMaps and Secrets and adds plain extras", () => {
        const settings = settingsWith({
            envFrom: {
                configMaps: ["bookwyrm-config"],
                secrets: ["bookwyrm-secrets", "bookwyrm-s3"],
            },
            env: { ENABLE_PREVIEW_IMAGES: "false" },
        });
        const container = podSpec(cronJob(buildKubernetesObjects(settings), "bookwyrm-automod"))
            .containers[0];
        assert.deepEqual(container.envFrom, [
            { configMapRef: { name: "bookwyrm-config" } },
            { secretRef: { name: "bookwyrm-secrets" } },
            { secretRef: { name: "bookwyrm-s3" } },
        ]);
        assert.ok(
            container.env.some(
                (e: { name: string; value: string }) =>
                    e.name === "ENABLE_PREVIEW_IMAGES" && e.value === "false",
            ),
        );
    });

    it("uses the configured requests and limits per job", () => {
        const settings = settingsWith({
            jobs: { automod: { resources: { requests: { cpu: "200m" }, limits: { cpu: "2" } } } },
        });
        const objects = buildKubernetesObjects(settings);
        const automod = podSpec(cronJob(objects, "bookwyrm-automod")).containers[0].resources;
        assert.deepEqual(automod, {
            requests: { cpu: "200m", memory: "128Mi" },
            limits: { cpu: "2", memory: "256Mi" },
        });
        const cleanup = podSpec(cronJob(objects, "bookwyrm-db-cleanup")).containers[0].resources;
        assert.deepEqual(cleanup.requests, { cpu: "100m", memory: "256Mi" });
    });

    it("runs beat as one replica, recreated rather than rolled, with the celery beat command", () => {
        const beat = buildKubernetesObjects(settingsWith({ beat: { retain: true } })).find(
            (o): o is DeploymentObject => o.kind === "Deployment",
        );
        assert.ok(beat);
        assert.equal(beat.metadata.name, "bookwyrm-beat");
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const spec = beat.spec as any;
        assert.equal(spec.replicas, 1);
        assert.deepEqual(spec.strategy, { type: "Recreate" });
        assert.deepEqual(
            podSpec(beat).containers[0].command,
            "celery -A celerywyrm beat -l INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler".split(
                " ",
            ),
        );
        assert.deepEqual(podSpec(beat).containers[0].resources.requests, {
            cpu: "100m",
            memory: "256Mi",
        });
        assert.equal(beat.metadata.annotations, undefined);
        const noWait = buildKubernetesObjects(
            settingsWith({ beat: { retain: true, waitForReady: false } }),
        );
        assert.equal(noWait[3].metadata.annotations?.["pulumi.com/skipAwait"], "true");
    });

    it("ships Python that compiles", () => {
        for (const [key, source] of Object.entries(TASK_SCRIPTS)) {
            const check = spawnSync(
                "python3",
                ["-c", "import ast, sys; ast.parse(sys.stdin.read())"],
                { input: source },
            );
            assert.equal(check.error, undefined, "python3 is needed for this test");
            assert.equal(check.status, 0, `${key}: ${check.stderr}`);
        }
        const broken = spawnSync(
            "python3",
            ["-c", "import ast, sys; ast.parse(sys.stdin.read())"],
            { input: "if True print(1)" },
        );
        assert.notEqual(broken.status, 0, "the syntax check must be able to fail");
    });
});
