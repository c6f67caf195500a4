// Benchmark (not a test): on one throwaway API server, `pulumi preview` of the prod stack against
// `kubectl apply --server-side --dry-run=server` of the same stack's rendered manifests, and the
// program's own evaluation time (the node process the engine starts). Medians of RUNS runs.
//
//   npm run bench:e2e            # prints a Markdown table for the README's figures
//
// The node process is timed by a `node` wrapper placed first on PATH, which the language host
// finds before the real one; it logs each run's wall time.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startCluster } from "./cluster";
import { PulumiProject, kubectl, prometheusRuleCrdPath, renderStackFile } from "./project";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NS = "bookwyrm-application";

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function nodeWrapper(dir: string, log: string): void {
    const realNode = process.execPath;
    const script = `#!/bin/sh
start=$(date +%s%N)
"${realNode}" "$@"
rc=$?
end=$(date +%s%N)
echo "$(( (end - start) / 1000000 )) $*" >> "${log}"
exit $rc
`;
    fs.writeFileSync(path.join(dir, "node"), script, { mode: 0o755 });
}

async function main(): Promise<void> {
    const cluster = await startCluster();
    const wrapperDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-node-"));
    const nodeLog = path.join(wrapperDir, "node.log");
    nodeWrapper(wrapperDir, nodeLog);
    const project = new PulumiProject(cluster);
    try {
        kubectl(cluster, ["create", "namespace", NS]);
        kubectl(cluster, ["apply", "--server-side", "-f", prometheusRuleCrdPath()]);
        kubectl(cluster, [
            "wait",
            "--for=condition=established",
            "crd/prometheusrules.monitoring.coreos.com",
        ]);
        project.writeStack("prod", "prod");
        await project.initStack("prod");
        const up = await project.pulumi(["up", "--stack", "prod", "--yes", "--skip-preview"]);
        if (up.code !== 0) throw new Error(`pulumi up failed:\n${up.stdout}${up.stderr}`);

        const manifests = renderStackFile(path.join(project.dir, "Pulumi.prod.yaml"));
        const previews: number[] = [];
        const dryRuns: number[] = [];
        const originalPath = process.env.PATH;
        for (let i = 0; i < RUNS; i++) {
            process.env.PATH = `${wrapperDir}${path.delimiter}${originalPath}`;
            const preview = await project.pulumi([
                "preview",
                "--stack",
                "prod",
                "--expect-no-changes",
            ]);
            process.env.PATH = originalPath;
            if (preview.code !== 0)
                throw new Error(`preview failed:\n${preview.stdout}${preview.stderr}`);
            previews.push(preview.ms);

            const dryRun = kubectl(
                cluster,
                ["apply", "--server-side", "--dry-run=server", "-f", "-"],
                manifests,
            );
            dryRuns.push(dryRun.ms);
        }

        const programRuns = fs
            .readFileSync(nodeLog, "utf8")
            .split("\n")
            // The host also runs `node --version` and `node -e require.resolve(...)`; the program
            // is the run that talks to the engine.
            .filter((line) => line.includes("--monitor"))
            .map((line) => Number(line.split(" ")[0]));

        const p = median(previews);
        const d = median(dryRuns);
        const lines = [
            `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores, Kubernetes ${cluster.version}, median of ${RUNS}:`,
            "",
            "| what | median |",
            "|---|---|",
            `| \`pulumi preview\` of prod (no changes), wall | ${(p / 1000).toFixed(2)} s |`,
            `| \`kubectl apply --server-side --dry-run=server\` of the prod render | ${(d / 1000).toFixed(2)} s |`,
            `| ratio preview / dry-run | ${(p / d).toFixed(1)}x |`,
            `| the program's node process during preview (${programRuns.length} runs) | ${(median(programRuns) / 1000).toFixed(2)} s |`,
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
    } finally {
        await project
            .pulumi(["destroy", "--stack", "prod", "--yes", "--skip-preview"])
            .catch(() => undefined);
        project.remove();
        fs.rmSync(wrapperDir, { recursive: true, force: true });
        await cluster.stop();
    }
}

main().catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exitCode = 1;
});
