// The end-to-end tier: the project's Pulumi program, run by the real Pulumi engine and
// Kubernetes provider, against a real kube-apiserver (with PodSecurity admission) and
// kube-controller-manager. Each `it` depends on the ones before it, as a user's session would.

import * as assert from "node:assert/strict";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { TestCluster, startCluster } from "./cluster";
import {
    PulumiProject,
    getObject,
    kubectl,
    prometheusRuleCrdPath,
    renderStackFile,
    subsetMismatches,
} from "./project";

const NS = "bookwyrm-application";
const PART_OF = "app.kubernetes.io/part-of=bookwyrm";
const PROD_OBJECTS = [
    "cronjob.batch/bookwyrm-automod",
    "cronjob.batch/bookwyrm-db-cleanup",
    "cronjob.batch/bookwyrm-update-check",
    "deployment.apps/bookwyrm-beat",
    "prometheusrule.monitoring.coreos.com/bookwyrm-cronjobs",
];
const CRONJOBS = ["bookwyrm-automod", "bookwyrm-update-check", "bookwyrm-db-cleanup"];

let cluster: TestCluster;
let project: PulumiProject;

function ourObjects(): string[] {
    const kinds = "cronjobs,deployments,prometheusrules";
    const out = kubectl(cluster, ["get", kinds, "-n", NS, "-l", PART_OF, "-o", "name"]).stdout;
    return out.split("\n").filter(Boolean).sort();
}

function expectOk(
    result: { code: number | null; stdout: string; stderr: string },
    what: string,
): void {
    assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
}

// `pulumi preview --json` prints the plan; its changeSummary counts steps by operation.
async function previewSummary(stack: string): Promise<Record<string, number>> {
    const result = await project.pulumi(["preview", "--stack", stack, "--json"]);
    expectOk(result, "pulumi preview --json");
    return JSON.parse(result.stdout).changeSummary;
}

function renderedObjects(stack: string): any[] {
    const text = renderStackFile(path.join(project.dir, `Pulumi.${stack}.yaml`));
    return parseAllDocuments(text).map((d) => d.toJS());
}

describe("end to end: pulumi against a real API server", function () {
    this.timeout(15 * 60_000);

    before(async () => {
        cluster = await startCluster();
        // The namespace the operator already has, labelled as a "restricted" namespace would be.
        kubectl(cluster, ["create", "namespace", NS]);
        kubectl(cluster, [
            "label",
            "namespace",
            NS,
            "pod-security.kubernetes.io/enforce=restricted",
            "pod-security.kubernetes.io/warn=restricted",
        ]);
        kubectl(cluster, ["apply", "--server-side", "-f", prometheusRuleCrdPath()]);
        kubectl(cluster, [
            "wait",
            "--for=condition=established",
            "crd/prometheusrules.monitoring.coreos.com",
        ]);
        project = new PulumiProject(cluster);
    });

    after(async () => {
        if (project) {
            await project.pulumi(["destroy", "--stack", "prod", "--yes"]).catch(() => undefined);
            project.remove();
        }
        if (cluster) await cluster.stop();
    });

    it("9. the rendered manifests of both stacks pass a server-side dry-run apply", () => {
        for (const stack of ["dev", "prod"]) {
            project.writeStack(stack, stack);
            const manifests = renderStackFile(path.join(project.dir, `Pulumi.${stack}.yaml`));
            const result = kubectl(
                cluster,
                ["apply", "--server-side", "--dry-run=server", "-f", "-"],
                manifests,
                true,
            );
            expectOk(result, `dry-run apply of the ${stack} render`);
            // 6 (first half): the namespace warns on templates that would violate "restricted".
            assert.doesNotMatch(result.stderr, /PodSecurity|would violate/, result.stderr);
            assert.equal(
                (result.stdout.match(/serverside-applied \(server dry run\)/g) ?? []).length,
                stack === "prod" ? 5 : 3,
            );
        }
        assert.deepEqual(ourObjects(), [], "a dry run must create nothing");
    });

    it("1. pulumi up of prod creates exactly the expected objects, adopting an existing beat", async () => {
        // An operator's existing beat Deployment, as kubectl applied it before this program.
        const [renderedBeat] = renderedObjects("prod").filter((o) => o.kind === "Deployment");
        kubectl(cluster, ["apply", "-f", "-"], JSON.stringify(renderedBeat));
        const uidBefore = getObject(cluster, "deployment", NS, "bookwyrm-beat").metadata.uid;

        await project.initStack("prod");
        const up = await project.pulumi(["up", "--stack", "prod", "--yes", "--skip-preview"]);
        expectOk(up, "pulumi up prod");

        // Provider 4.25.0 does not print the API server's PodSecurity warnings, so they are
        // checked on test 9's dry-run apply (kubectl prints them) and by test 6's pods.

        assert.deepEqual(ourObjects(), PROD_OBJECTS);
        assert.equal(
            getObject(cluster, "deployment", NS, "bookwyrm-beat").metadata.uid,
            uidBefore,
            "beat adopted in place",
        );

        for (const expected of renderedObjects("prod")) {
            const actual = getObject(
                cluster,
                expected.kind,
                expected.metadata.namespace,
                expected.metadata.name,
            );
            assert.ok(actual, `${expected.kind}/${expected.metadata.name} missing`);
            const mismatches = [
                ...subsetMismatches(expected.spec, actual.spec, "spec"),
                ...subsetMismatches(
                    expected.metadata.labels,
                    actual.metadata.labels,
                    "metadata.labels",
                ),
            ];
            assert.deepEqual(
                mismatches,
                [],
                `${expected.kind}/${expected.metadata.name} differs from its render`,
            );
        }
    });

    it("2. a preview right after up shows no changes", async () => {
        expectOk(
            await project.pulumi(["preview", "--stack", "prod", "--expect-no-changes"]),
            "preview --expect-no-changes",
        );
    });

    it("3. a schedule edit is one in-place update, and the API server then has it", async () => {
        const uid = getObject(cluster, "cronjob", NS, "bookwyrm-automod").metadata.uid;
        project.writeStack("prod", "prod", (config) => {
            config["bookwyrm-cronjobs:jobs"].automod.schedule = "0 */2 * * *";
        });

        const summary = await previewSummary("prod");
        assert.equal(summary.update, 1, JSON.stringify(summary));
        for (const op of ["create", "delete", "replace", "create-replacement", "delete-replaced"]) {
            assert.equal(summary[op] ?? 0, 0, `${op} in ${JSON.stringify(summary)}`);
        }

        expectOk(
            await project.pulumi(["up", "--stack", "prod", "--yes", "--skip-preview"]),
            "pulumi up",
        );
        const automod = getObject(cluster, "cronjob", NS, "bookwyrm-automod");
        assert.equal(automod.spec.schedule, "0 */2 * * *");
        assert.equal(automod.metadata.uid, uid, "updated in place, not recreated");
    });

    it("4. beat.retain false deletes the beat Deployment, true brings it back", async () => {
        project.writeStack("prod", "prod", (config) => {
            config["bookwyrm-cronjobs:beat"].retain = false;
        });
        expectOk(
            await project.pulumi(["up", "--stack", "prod", "--yes", "--skip-preview"]),
            "up with beat.retain false",
        );
        // beat.waitForReady false (no nodes here) also skips the provider's wait for the delete to
        // finish; the garbage collector completes the foreground deletion within seconds.
        const gone = await waitFor(
            () => (getObject(cluster, "deployment", NS, "bookwyrm-beat") ? undefined : true),
            30_000,
        );
        assert.equal(gone, true, "bookwyrm-beat still exists 30 s after pulumi up");
        for (const name of CRONJOBS)
            assert.ok(getObject(cluster, "cronjob", NS, name), `${name} must stay`);

        project.writeStack("prod", "prod");
        expectOk(
            await project.pulumi(["up", "--stack", "prod", "--yes", "--skip-preview"]),
            "up with beat.retain true",
        );
        assert.ok(getObject(cluster, "deployment", NS, "bookwyrm-beat"));
    });

    it("5. the PrometheusRule is accepted by the CRD with its alert group", () => {
        const rule = getObject(cluster, "prometheusrule", NS, "bookwyrm-cronjobs");
        assert.ok(rule, "PrometheusRule missing");
        assert.equal(rule.metadata.labels.release, "kube-prometheus-stack");
        const alerts = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
        assert.ok(alerts.includes("BookWyrmCronJobFailed"), alerts.join(", "));
        assert.ok(alerts.includes("BookWyrmBeatDown"), alerts.join(", "));
    });

    it("6. a Job created from each CronJob has its pods admitted under Pod Security restricted", async () => {
        for (const name of CRONJOBS) {
            kubectl(cluster, ["create", "job", "-n", NS, `--from=cronjob/${name}`, `${name}-e2e`]);
        }
        for (const name of CRONJOBS) {
            const pods = await waitFor(() => {
                const out = kubectl(cluster, [
                    "get",
                    "pods",
                    "-n",
                    NS,
                    "-l",
                    `job-name=${name}-e2e`,
                    "-o",
                    "name",
                ]).stdout;
                return out.trim() ? out.trim().split("\n") : undefined;
            }, 60_000);
            assert.equal(pods?.length, 1, `no pod admitted for job ${name}-e2e`);
            const events = kubectl(cluster, [
                "get",
                "events",
                "-n",
                NS,
                "--field-selector",
                `involvedObject.name=${name}-e2e`,
            ]).stdout;
            assert.doesNotMatch(events, /FailedCreate|violates PodSecurity/);
        }

        // The control: the same namespace refuses a pod that is not "restricted", so the check above means something.
        const root = kubectl(
            cluster,
            ["run", "root-pod", "-n", NS, "--image=busybox:1.36", "--restart=Never"],
            undefined,
            true,
        );
        assert.notEqual(root.code, 0);
        assert.match(root.stderr, /violates PodSecurity "restricted/);
    });

    it("7. an invalid stack config fails pulumi preview with the program's message and changes nothing", async () => {
        const versions = () =>
            PROD_OBJECTS.map(
                (o) =>
                    kubectl(cluster, [
                        "get",
                        o,
                        "-n",
                        NS,
                        "-o",
                        "jsonpath={.metadata.resourceVersion}",
                    ]).stdout,
            );
        const before = versions();
        project.writeStack("prod", "prod", (config) => {
            config["bookwyrm-cronjobs:jobs"].automod.schedule = "61 * * * *";
            config["bookwyrm-cronjobs:jobs"].automod.schedul = "0 * * * *";
        });

        for (const command of [["preview"], ["up", "--yes", "--skip-preview"]]) {
            const result = await project.pulumi([...command, "--stack", "prod"]);
            const output = result.stdout + result.stderr;
            assert.notEqual(result.code, 0, `${command[0]} must fail`);
            assert.match(output, /Invalid stack config \(2 problems\)/);
            assert.match(
                output,
                /bookwyrm-cronjobs:jobs\.automod\.schedule: is not a valid cron expression/,
            );
            assert.match(
                output,
                /bookwyrm-cronjobs:jobs\.automod\.schedul: unknown key; did you mean "schedule"\?/,
            );
            assert.doesNotMatch(
                output,
                /\n\s+at .*\.(ts|js):\d+/,
                "no stack trace for a config mistake",
            );
        }
        assert.deepEqual(versions(), before, "nothing on the cluster changed");
        project.writeStack("prod", "prod");
    });

    it("8. pulumi destroy removes everything and returns promptly", async () => {
        const destroy = await project.pulumi([
            "destroy",
            "--stack",
            "prod",
            "--yes",
            "--skip-preview",
        ]);
        expectOk(destroy, "pulumi destroy");
        // Foreground deletion that waited on a garbage collector would take minutes (10 by default).
        assert.ok(destroy.ms < 60_000, `destroy took ${destroy.ms} ms`);
        // With beat.waitForReady false (no nodes here) the provider does not wait for the beat
        // Deployment to disappear either; the garbage collector finishes it within seconds.
        const left = await waitFor(() => (ourObjects().length === 0 ? [] : undefined), 30_000);
        assert.deepEqual(left ?? ourObjects(), []);
    });

    it("1/5. pulumi up of dev creates three CronJobs and no beat or PrometheusRule", async () => {
        await project.initStack("dev");
        expectOk(
            await project.pulumi(["up", "--stack", "dev", "--yes", "--skip-preview"]),
            "pulumi up dev",
        );
        assert.deepEqual(ourObjects(), [
            "cronjob.batch/bookwyrm-automod",
            "cronjob.batch/bookwyrm-db-cleanup",
            "cronjob.batch/bookwyrm-update-check",
        ]);
        assert.equal(
            kubectl(cluster, ["get", "prometheusrules", "-A", "-o", "name"]).stdout.trim(),
            "",
        );
        assert.equal(
            getObject(cluster, "cronjob", NS, "bookwyrm-update-check").spec.schedule,
            "0 3 * * 0",
        );
        expectOk(
            await project.pulumi(["preview", "--stack", "dev", "--expect-no-changes"]),
            "dev preview",
        );
        expectOk(
            await project.pulumi(["destroy", "--stack", "dev", "--yes", "--skip-preview"]),
            "destroy dev",
        );
        assert.deepEqual(ourObjects(), []);
    });
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = probe();
        if (value !== undefined || Date.now() > deadline) return value;
        await new Promise((r) => setTimeout(r, 500));
    }
}
