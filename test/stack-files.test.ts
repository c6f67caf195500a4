// The committed project and stack files: a bad edit to any of them fails here, in CI, before
// anyone runs `pulumi preview`.

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { buildKubernetesObjects } from "../components/kubernetes-objects";
import { CONFIG_KEY_TYPES, DEFAULTS } from "../stacks/defaults";
import { readStackFiles, stackFilePath } from "../stacks/read-stack-files";
import { validateSettings } from "../stacks/validate-settings";

const ROOT = path.resolve(__dirname, "..");

function stack(name: string) {
    const raw = readStackFiles(ROOT, stackFilePath(ROOT, name));
    assert.deepEqual(raw.problems, []);
    return validateSettings(raw.values, raw.problems);
}

describe("Pulumi.yaml", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));

    it("names the project and runs TypeScript without a type-check on every run", () => {
        assert.equal(project.name, "bookwyrm-cronjobs");
        assert.equal(project.runtime.name, "nodejs");
        assert.equal(project.runtime.options.typescript, false);
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.equal(pkg.main, "bin/pulumi-program.js");
        assert.ok(pkg.dependencies.sucrase, "sucrase must be a runtime dependency");
    });

    it("declares every config key with the code's type, a description and the code's default", () => {
        assert.deepEqual(Object.keys(project.config).sort(), Object.keys(DEFAULTS).sort());
        for (const [key, declaration] of Object.entries<Record<string, unknown>>(project.config)) {
            assert.equal(declaration.type, CONFIG_KEY_TYPES[key as keyof typeof DEFAULTS], key);
            assert.ok(
                typeof declaration.description === "string" && declaration.description.length > 10,
                key,
            );
            assert.deepEqual(declaration.default, DEFAULTS[key as keyof typeof DEFAULTS], key);
        }
    });
});

describe("the stack files", () => {
    it("dev: update check weekly, no beat, no PrometheusRule", () => {
        const { settings } = stack("dev");
        assert.equal(settings.jobs.updateCheck.schedule, "0 3 * * 0");
        assert.equal(settings.beat.retain, false);
        assert.equal(settings.monitoring.enabled, false);
        assert.deepEqual(
            buildKubernetesObjects(settings).map((o) => o.kind),
            ["CronJob", "CronJob", "CronJob"],
        );
    });

    it("prod: automod hourly, beat retained, PrometheusRule on", () => {
        const { settings, warnings } = stack("prod");
        assert.equal(settings.jobs.automod.schedule, "0 * * * *");
        assert.equal(settings.beat.retain, true);
        assert.equal(settings.monitoring.enabled, true);
        assert.deepEqual(warnings, []);
        assert.deepEqual(
            buildKubernetesObjects(settings).map((o) => `${o.kind}/${o.metadata.name}`),
            [
                "CronJob/bookwyrm-automod",
                "CronJob/bookwyrm-update-check",
                "CronJob/bookwyrm-db-cleanup",
                "Deployment/bookwyrm-beat",
                "PrometheusRule/bookwyrm-cronjobs",
            ],
        );
    });

    it("reads Pulumi.yaml defaults under the stack's values and ignores other namespaces", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        try {
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            const file = path.join(dir, "Pulumi.x.yaml");
            fs.writeFileSync(
                file,
                "config:\n  kubernetes:context: kind-dev\n  bookwyrm-cronjobs:namespace: books\n  beat:\n    retain: true\n",
            );
            const raw = readStackFiles(dir, file);
            assert.equal(raw.values.namespace, "books");
            assert.deepEqual(raw.values.beat, { retain: true });
            assert.equal(raw.values.image, DEFAULTS.image);
            assert.ok(!("kubernetes:context" in raw.values) && !("context" in raw.values));
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("refuses encrypted secrets and unreadable YAML with the file named", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        try {
            const secret = path.join(dir, "Pulumi.s.yaml");
            fs.writeFileSync(secret, "config:\n  bookwyrm-cronjobs:image:\n    secure: AAABAJ==\n");
            assert.match(
                readStackFiles(ROOT, secret).problems.join("\n"),
                /bookwyrm-cronjobs:image: is an encrypted secret/,
            );
            const broken = path.join(dir, "Pulumi.b.yaml");
            fs.writeFileSync(broken, "config:\n  bookwyrm-cronjobs:image: [unclosed\n");
            assert.match(
                readStackFiles(ROOT, broken).problems.join("\n"),
                /Pulumi\.b\.yaml: is not valid YAML/,
            );
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });
});
