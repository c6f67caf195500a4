// Runs the project's own Pulumi program with the real engine against a TestCluster: a copy of
// the program's files in a temporary directory (so stack init and config edits never touch the
// repository), a local file backend, and the stack files derived from Pulumi.<stack>.yaml.

import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { TestCluster, pulumiEnv } from "./cluster";

export const REPO = path.resolve(__dirname, "..", "..");

// What the engine needs of the project; everything else (tests, docs, e2e tools) stays behind.
const PROGRAM_FILES = [
    "Pulumi.yaml",
    "package.json",
    "index.ts",
    "tsconfig.json",
    "bin",
    "components",
    "stacks",
];

export interface RunResult {
    code: number | null;
    stdout: string;
    stderr: string;
    /** Wall time in milliseconds. */
    ms: number;
}

export class PulumiProject {
    readonly dir: string;
    readonly backendDir: string;

    constructor(private readonly cluster: TestCluster) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "bookwyrm-e2e-project-"));
        this.backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "bookwyrm-e2e-backend-"));
        for (const entry of PROGRAM_FILES) {
            fs.cpSync(path.join(REPO, entry), path.join(this.dir, entry), { recursive: true });
        }
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(this.dir, "node_modules"));
    }

    /**
     * Writes Pulumi.<stack>.yaml: the repository's stack file of `from`, pointed at the test
     * cluster, with `edit` applied to its config mapping.
     */
    writeStack(
        stack: string,
        from: string,
        edit: (config: Record<string, any>) => void = () => {},
    ): void {
        const source = parse(fs.readFileSync(path.join(REPO, `Pulumi.${from}.yaml`), "utf8"));
        const config = source.config as Record<string, any>;
        config["kubernetes:kubeconfig"] = this.cluster.kubeconfigPath;
        // The test cluster has no nodes, so the beat pod never becomes available.
        const beat = (config["bookwyrm-cronjobs:beat"] ??= {});
        beat.waitForReady = false;
        edit(config);
        const file = path.join(this.dir, `Pulumi.${stack}.yaml`);
        const previous = fs.existsSync(file) ? parse(fs.readFileSync(file, "utf8")) : {};
        // Keep the passphrase salt that `pulumi stack init` wrote.
        const salt = previous?.encryptionsalt ? { encryptionsalt: previous.encryptionsalt } : {};
        fs.writeFileSync(file, stringify({ ...salt, config }));
    }

    async pulumi(args: string[], timeoutMs = 300_000): Promise<RunResult> {
        // No usable $KUBECONFIG: the cluster is reached only through the stack's
        // `kubernetes:kubeconfig`, which proves the provider honours stack config.
        // TMPDIR: the provider writes a kubeconfig (with the admin token) to a temporary file on
        // every command and leaves it; keep those inside the directory remove() deletes.
        const tmp = path.join(this.backendDir, "tmp");
        fs.mkdirSync(tmp, { recursive: true });
        const env = pulumiEnv(this.cluster, this.backendDir, {
            KUBECONFIG: "/nonexistent/kubeconfig",
            TMPDIR: tmp,
        });
        return run("pulumi", [...args, "--non-interactive", "--color", "never"], {
            cwd: this.dir,
            env,
            timeoutMs,
        });
    }

    async initStack(stack: string): Promise<void> {
        const result = await this.pulumi([
            "stack",
            "init",
            stack,
            "--secrets-provider",
            "passphrase",
        ]);
        if (result.code !== 0)
            throw new Error(`pulumi stack init ${stack} failed:\n${result.stderr}${result.stdout}`);
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
        fs.rmSync(this.backendDir, { recursive: true, force: true });
    }
}

/** Runs a command to completion, killing it (and failing) after timeoutMs. */
export function run(
    command: string,
    args: string[],
    opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
            cwd: opts.cwd,
            env: opts.env,
            stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(
                new Error(
                    `${command} ${args.join(" ")} timed out after ${opts.timeoutMs} ms\n${stderr}${stdout}`,
                ),
            );
        }, opts.timeoutMs ?? 120_000);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, ms: Date.now() - started });
        });
        child.stdin.end(opts.input ?? "");
    });
}

/** kubectl against the test cluster; throws with its stderr on failure unless allowFailure. */
export function kubectl(
    cluster: TestCluster,
    args: string[],
    input?: string,
    allowFailure = false,
): RunResult {
    const started = Date.now();
    const result = spawnSync("kubectl", ["--kubeconfig", cluster.kubeconfigPath, ...args], {
        input,
        encoding: "utf8",
        timeout: 120_000,
    });
    const out = {
        code: result.status,
        stdout: result.stdout,
        stderr: result.stderr,
        ms: Date.now() - started,
    };
    if (!allowFailure && result.status !== 0) {
        throw new Error(`kubectl ${args.join(" ")} failed (${result.status}):\n${result.stderr}`);
    }
    return out;
}

/** The object as the API server has it, or undefined when it does not exist. */
export function getObject(
    cluster: TestCluster,
    kind: string,
    namespace: string,
    name: string,
): any {
    const result = kubectl(
        cluster,
        ["get", kind, name, "-n", namespace, "-o", "json"],
        undefined,
        true,
    );
    if (result.code !== 0) {
        if (/NotFound|not found/.test(result.stderr)) return undefined;
        throw new Error(result.stderr);
    }
    return JSON.parse(result.stdout);
}

/** The rendered manifests of a stack file, via the render command as a user runs it. */
export function renderStackFile(file: string): string {
    const result = spawnSync(
        process.execPath,
        [path.join(REPO, "bin", "render.js"), "--config-file", file],
        {
            encoding: "utf8",
        },
    );
    if (result.status !== 0) throw new Error(`render ${file} failed:\n${result.stderr}`);
    return result.stdout;
}

/**
 * The PrometheusRule CRD, from the prometheus-operator Go module as the Go module proxy serves
 * it (the module zip carries the generated CRD manifests under example/).
 */
export const PROMETHEUS_OPERATOR_VERSION = "v0.85.0";

export function prometheusRuleCrdPath(): string {
    const module = `github.com/prometheus-operator/prometheus-operator@${PROMETHEUS_OPERATOR_VERSION}`;
    const result = spawnSync("go", ["mod", "download", "-json", module], {
        encoding: "utf8",
        cwd: os.tmpdir(),
    });
    if (result.status !== 0)
        throw new Error(`go mod download ${module} failed:\n${result.stdout}${result.stderr}`);
    const dir = JSON.parse(result.stdout).Dir as string;
    return path.join(
        dir,
        "example",
        "prometheus-operator-crd",
        "monitoring.coreos.com_prometheusrules.yaml",
    );
}

/** Whether every field of `expected` is present with the same value in `actual` (extra fields allowed). */
export function subsetMismatches(expected: unknown, actual: unknown, at = ""): string[] {
    if (Array.isArray(expected)) {
        if (!Array.isArray(actual) || actual.length !== expected.length) {
            return [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
        }
        return expected.flatMap((e, i) => subsetMismatches(e, actual[i], `${at}[${i}]`));
    }
    if (typeof expected === "object" && expected !== null) {
        if (typeof actual !== "object" || actual === null)
            return [`${at}: missing (expected an object)`];
        return Object.entries(expected).flatMap(([k, v]) =>
            subsetMismatches(v, (actual as Record<string, unknown>)[k], `${at}.${k}`),
        );
    }
    return expected === actual
        ? []
        : [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}
