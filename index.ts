// The Pulumi program: this stack's config -> validated settings -> the BookwyrmCronJobs
// component. A config mistake stops here, before any resource is registered, with every
// problem listed and no stack trace.

import * as pulumi from "@pulumi/pulumi";
import { BookwyrmCronJobs } from "./components/bookwyrm-cronjobs";
import { readPulumiConfig } from "./stacks/read-pulumi-config";
import { SettingsError, validateSettings } from "./stacks/validate-settings";

function loadSettings() {
    const raw = readPulumiConfig();
    try {
        return validateSettings(raw.values, raw.problems);
    } catch (error) {
        if (error instanceof SettingsError) throw new pulumi.RunError(error.message);
        throw error;
    }
}

const { settings, warnings } = loadSettings();
for (const warning of warnings) pulumi.log.warn(warning);

const bookwyrm = new BookwyrmCronJobs("bookwyrm", settings);

export const namespace = bookwyrm.namespace;
export const cronJobNames = bookwyrm.cronJobNames;
export const beatDeploymentName = bookwyrm.beatDeploymentName;
export const prometheusRuleName = bookwyrm.prometheusRuleName;
