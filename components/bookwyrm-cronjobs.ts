// The Pulumi side: registers the objects of kubernetes-objects.ts as resources under one
// component, so `pulumi preview` groups them and a stack's config decides which exist.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../stacks/settings";
import { KubernetesObject } from "./kubernetes-object";
import { buildKubernetesObjects } from "./kubernetes-objects";
import { JOB_KEYS } from "./names";

export const COMPONENT_TYPE = "bookwyrm:index:BookwyrmCronJobs";

/** Arguments of BookwyrmCronJobs: validated settings, as `validateSettings` returns them. */
export type BookwyrmCronJobsArgs = Settings;

/**
 * BookWyrm's periodic tasks as CronJobs, optionally with the Celery beat Deployment they replace
 * and a PrometheusRule that watches them. Which cluster it deploys to is the Kubernetes
 * provider's business: the default provider (stack config `kubernetes:context` or
 * `kubernetes:kubeconfig`), or one passed in `opts.providers`.
 */
export class BookwyrmCronJobs extends pulumi.ComponentResource {
    /** The CronJobs' names, keyed by job (`automod`, `updateCheck`, `dbCleanup`). */
    public readonly cronJobNames: pulumi.Output<Record<string, string>>;
    /** The namespace of the CronJobs and the beat Deployment (the PrometheusRule may differ). */
    public readonly namespace: pulumi.Output<string>;
    /** Name of the beat Deployment, or undefined when beat is not retained. */
    public readonly beatDeploymentName: pulumi.Output<string | undefined>;
    /** Name of the PrometheusRule, or undefined when monitoring is off. */
    public readonly prometheusRuleName: pulumi.Output<string | undefined>;

    constructor(name: string, args: BookwyrmCronJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPE, name, {}, opts);

        const objects = buildKubernetesObjects(args);
        const resources = objects.map((object) => this.register(object));

        const cronJobs = resources.filter(
            (r): r is k8s.batch.v1.CronJob => r instanceof k8s.batch.v1.CronJob,
        );
        this.cronJobNames = pulumi
            .all(cronJobs.map((c) => c.metadata.name))
            .apply((names) => Object.fromEntries(JOB_KEYS.map((key, i) => [key, names[i]])));
        this.namespace = pulumi.output(args.namespace);
        this.beatDeploymentName = pulumi.output(nameOf(objects, "Deployment"));
        this.prometheusRuleName = pulumi.output(nameOf(objects, "PrometheusRule"));

        this.registerOutputs({
            cronJobNames: this.cronJobNames,
            namespace: this.namespace,
            beatDeploymentName: this.beatDeploymentName,
            prometheusRuleName: this.prometheusRuleName,
        });
    }

    // Logical names are the objects' own names, so a resource's URN reads like its kubectl name
    // and never changes with config.
    private register(object: KubernetesObject): pulumi.CustomResource {
        const opts = { parent: this };
        const name = object.metadata.name;
        switch (object.kind) {
            case "CronJob":
                return new k8s.batch.v1.CronJob(name, object, opts);
            case "Deployment":
                return new k8s.apps.v1.Deployment(name, object, opts);
            case "PrometheusRule":
                return new k8s.apiextensions.CustomResource(name, object, opts);
        }
    }
}

function nameOf(objects: KubernetesObject[], kind: string): string | undefined {
    return objects.find((o) => o.kind === kind)?.metadata.name;
}
