// The component and the program under Pulumi's mocks: which resources are registered, with
// which inputs and parents, and what the program does with good and bad stack config. This
// proves the wiring, not a deployment; the e2e tier runs the real engine.

import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { MONITORING_ON, settingsWith } from "./fixtures";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    parent?: string;
}

let registered: Registered[] = [];

pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
    },
    "bookwyrm-cronjobs",
    "test",
);

// Loaded after setMocks, as the SDK requires.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BookwyrmCronJobs, COMPONENT_TYPE } =
    require("../components/bookwyrm-cronjobs") as typeof import("../components/bookwyrm-cronjobs");

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

async function build(values: Record<string, unknown>) {
    registered = [];
    const component = new BookwyrmCronJobs("bookwyrm", settingsWith(values));
    // Outputs settle once every child is registered.
    const names = await promiseOf(component.cronJobNames);
    const urn = await promiseOf(component.urn);
    return { component, names, urn };
}

describe("BookwyrmCronJobs under mocks", () => {
    it("registers the component and three CronJobs as its children", async () => {
        const { names, component } = await build({});
        assert.deepEqual(
            registered.map((r) => `${r.type} ${r.name}`),
            [
                `${COMPONENT_TYPE} bookwyrm`,
                "kubernetes:batch/v1:CronJob bookwyrm-automod",
                "kubernetes:batch/v1:CronJob bookwyrm-update-check",
                "kubernetes:batch/v1:CronJob bookwyrm-db-cleanup",
            ],
        );
        assert.deepEqual(names, {
            automod: "bookwyrm-automod",
            updateCheck: "bookwyrm-update-check",
            dbCleanup: "bookwyrm-db-cleanup",
        });
        assert.equal(await promiseOf(component.beatDeploymentName), undefined);
        assert.equal(await promiseOf(component.prometheusRuleName), undefined);
    });

    it("parents every child to the component, so their URNs carry its type", async () => {
        registered = [];
        const component = new BookwyrmCronJobs(
            "bookwyrm",
            settingsWith({ beat: { retain: true }, monitoring: MONITORING_ON }),
        );
        const children = await Promise.all(
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            ((component as any).__childResources
                ? [...(component as any).__childResources]
                : []
            ).map((r: pulumi.Resource) => promiseOf(r.urn)),
        );
        assert.equal(children.length, 5);
        for (const urn of children)
            assert.match(
                urn as string,
                new RegExp(`::${COMPONENT_TYPE.replace(/[:]/g, "\\:")}\\$`),
            );
    });

    it("passes the built objects as resource inputs", async () => {
        await build({ jobs: { automod: { schedule: "0 * * * *" } } });
        const automod = registered.find((r) => r.name === "bookwyrm-automod");
        assert.equal(automod?.inputs.metadata.name, "bookwyrm-automod");
        assert.equal(automod?.inputs.metadata.namespace, "bookwyrm-application");
        assert.equal(automod?.inputs.spec.schedule, "0 * * * *");
        assert.equal(automod?.inputs.spec.suspend, false);
        assert.equal(
            automod?.inputs.spec.jobTemplate.spec.template.spec.securityContext.runAsNonRoot,
            true,
        );
    });

    it("adds the beat Deployment only when beat.retain is true", async () => {
        const retained = await build({ beat: { retain: true } });
        assert.ok(
            registered.some(
                (r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "bookwyrm-beat",
            ),
        );
        assert.equal(await promiseOf(retained.component.beatDeploymentName), "bookwyrm-beat");
        await build({ beat: { retain: false } });
        assert.ok(!registered.some((r) => r.type === "kubernetes:apps/v1:Deployment"));
    });

    it("adds the PrometheusRule only when monitoring.enabled is true", async () => {
        const monitored = await build({
            monitoring: { ...MONITORING_ON, labels: { release: "kps" } },
        });
        const rule = registered.find(
            (r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
        );
        assert.ok(rule);
        assert.equal(rule.inputs.metadata.namespace, "bookwyrm-application");
        assert.equal(rule.inputs.metadata.labels.release, "kps");
        assert.ok(rule.inputs.spec.groups[0].rules.length > 0);
        assert.equal(await promiseOf(monitored.component.prometheusRuleName), "bookwyrm-cronjobs");
        await build({ monitoring: { enabled: false } });
        assert.ok(!registered.some((r) => r.type.includes("PrometheusRule")));
    });
});

describe("the program (index.ts) under mocks", () => {
    function setStackConfig(values: Record<string, unknown>) {
        const config = Object.fromEntries(
            Object.entries(values).map(([k, v]) => [
                `bookwyrm-cronjobs:${k}`,
                typeof v === "string" ? v : JSON.stringify(v),
            ]),
        );
        pulumi.runtime.setAllConfig(config);
    }

    function loadProgram() {
        const path = require.resolve("../index");
        delete require.cache[path];
        return require(path); // eslint-disable-line @typescript-eslint/no-require-imports
    }

    it("builds the stack from config, with Pulumi.yaml-style JSON values", async () => {
        setStackConfig({
            beat: { retain: true },
            jobs: { automod: { schedule: "@hourly" } },
            envFrom: { secrets: ["s"] },
        });
        registered = [];
        const program = loadProgram();
        assert.deepEqual(await promiseOf(program.cronJobNames), {
            automod: "bookwyrm-automod",
            updateCheck: "bookwyrm-update-check",
            dbCleanup: "bookwyrm-db-cleanup",
        });
        assert.equal(
            registered.find((r) => r.name === "bookwyrm-automod")?.inputs.spec.schedule,
            "@hourly",
        );
        assert.ok(registered.some((r) => r.name === "bookwyrm-beat"));
    });

    it("logs a warning, and still deploys, when no ConfigMap or Secret is named", async () => {
        setStackConfig({});
        registered = [];
        const warnings: string[] = [];
        const original = pulumi.log.warn;
        pulumi.log.warn = (message: string) => {
            warnings.push(message);
            return Promise.resolve();
        };
        try {
            const program = loadProgram();
            await promiseOf(program.cronJobNames);
        } finally {
            pulumi.log.warn = original;
        }
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /^bookwyrm-cronjobs:envFrom names no ConfigMap or Secret/);
        assert.equal(registered.filter((r) => r.type === "kubernetes:batch/v1:CronJob").length, 3);
    });

    it("stops with a RunError naming every bad key before registering anything", () => {
        setStackConfig({
            jobs: { automod: { schedul: "0 * * * *" } },
            image: "bookwyrm:latest",
            beat: "yes",
        });
        registered = [];
        assert.throws(loadProgram, (error: Error) => {
            assert.ok(
                error instanceof pulumi.RunError,
                "a RunError is printed without a stack trace",
            );
            assert.match(error.message, /Invalid stack config \(3 problems\)/);
            assert.match(error.message, /bookwyrm-cronjobs:jobs\.automod\.schedul: unknown key/);
            assert.match(error.message, /bookwyrm-cronjobs:image: uses ":latest"/);
            assert.match(error.message, /bookwyrm-cronjobs:beat: must be an object/);
            return true;
        });
        assert.deepEqual(registered, []);
    });

    after(() => pulumi.runtime.setAllConfig({}));
});
