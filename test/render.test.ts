// The render command as a user runs it: a real process, its exit code, stdout and stderr.

import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";

const ROOT = path.resolve(__dirname, "..");

function render(...args: string[]) {
    const result = spawnSync(process.execPath, [path.join(ROOT, "bin", "render.js"), ...args], {
        encoding: "utf8",
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function withStackFile(text: string, run: (file: string) => void) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
    try {
        const file = path.join(dir, "Pulumi.test.yaml");
        fs.writeFileSync(file, text);
        run(file);
    } finally {
        fs.rmSync(dir, { recursive: true });
    }
}

describe("npm run render", () => {
    it("prints the prod stack as multi-document YAML and exits 0", () => {
        const { code, stdout, stderr } = render("--stack", "prod");
        assert.equal(code, 0, stderr);
        const documents = parseAllDocuments(stdout).map((d) => d.toJS());
        assert.deepEqual(
            documents.map((d) => `${d.kind}/${d.metadata.name}`),
            [
                "CronJob/bookwyrm-automod",
                "CronJob/bookwyrm-update-check",
                "CronJob/bookwyrm-db-cleanup",
                "Deployment/bookwyrm-beat",
                "PrometheusRule/bookwyrm-cronjobs",
            ],
        );
        assert.equal(documents[0].spec.schedule, "0 * * * *");
        assert.equal(stderr, "");
    });

    it("prints the same bytes on every run (stable order, stable keys)", () => {
        assert.equal(render("--stack", "dev").stdout, render("--stack", "dev").stdout);
    });

    it("renders any stack file given with --config-file", () => {
        withStackFile(
            'config:\n  bookwyrm-cronjobs:jobs:\n    automod:\n      schedule: "@daily"\n',
            (file) => {
                const { code, stdout, stderr } = render("--config-file", file);
                assert.equal(code, 0);
                assert.match(stderr, /^warning: bookwyrm-cronjobs:envFrom names no ConfigMap/);
                assert.equal(parseAllDocuments(stdout)[0].toJS().spec.schedule, "@daily");
            },
        );
    });

    it("exits 1 with every problem on stderr and nothing on stdout for invalid config", () => {
        const text =
            'config:\n  bookwyrm-cronjobs:jobs:\n    automod:\n      schedul: "0 * * * *"\n      suspend: maybe\n';
        withStackFile(text, (file) => {
            const { code, stdout, stderr } = render("--config-file", file);
            assert.equal(code, 1);
            assert.equal(stdout, "");
            assert.match(stderr, /Invalid stack config \(2 problems\)/);
            assert.match(
                stderr,
                /bookwyrm-cronjobs:jobs\.automod\.schedul: unknown key; did you mean "schedule"\?/,
            );
            assert.match(
                stderr,
                /bookwyrm-cronjobs:jobs\.automod\.suspend: must be true or false \(given: "maybe"\)/,
            );
            assert.doesNotMatch(stderr, /at .*\.ts:\d+/, "no stack trace for a config mistake");
        });
    });

    it("exits 1 naming the known stacks when the stack does not exist", () => {
        const { code, stdout, stderr } = render("--stack", "staging");
        assert.equal(code, 1);
        assert.equal(stdout, "");
        assert.match(stderr, /No stack file .*Pulumi\.staging\.yaml\. Stacks here: dev, prod\./);
    });

    it("exits 2 with usage for a usage mistake", () => {
        const { code, stdout, stderr } = render("--stack", "dev", "--config-file", "x.yaml");
        assert.equal(code, 2);
        assert.equal(stdout, "");
        assert.match(stderr, /Give exactly one of --stack or --config-file/);
        assert.equal(render("--colour").code, 2);
    });
});
