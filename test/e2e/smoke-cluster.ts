// Standalone smoke check of the e2e cluster harness (not a mocha test):
//   npx ts-node test/e2e/smoke-cluster.ts            # binDir from $BOOKWYRM_E2E_BIN_DIR or e2e/tools/build.sh
// Starts etcd + kube-apiserver + kube-controller-manager, runs a few kubectl commands, checks that
// PodSecurity admission enforces `restricted` on a labelled namespace, and stops everything.
import { execFileSync, spawnSync } from "child_process";
import { startCluster } from "./cluster";

function kubectl(kubeconfig: string, args: string[], input?: string): string {
    return execFileSync("kubectl", ["--kubeconfig", kubeconfig, ...args], {
        encoding: "utf8",
        input,
        stdio: ["pipe", "pipe", "pipe"],
    });
}

async function main(): Promise<void> {
    const t0 = Date.now();
    const cluster = await startCluster();
    const t1 = Date.now();
    console.log(
        `cluster ${cluster.version} up at ${cluster.server} in ${t1 - t0} ms (workDir ${cluster.workDir})`,
    );
    let failed = false;
    try {
        const kc = cluster.kubeconfigPath;
        console.log(kubectl(kc, ["get", "ns"]));
        // kubectl (v1.32 from the image) warns about the version skew on stderr; show stdout only.
        console.log(kubectl(kc, ["version"]));

        const ns = "smoke-restricted";
        kubectl(kc, ["create", "namespace", ns]);
        kubectl(kc, ["label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted"]);
        console.log(kubectl(kc, ["get", "ns", ns, "--show-labels"]));

        // A pod without the restricted securityContext (runAsNonRoot, seccomp, drop ALL, no privilege
        // escalation) must be rejected by PodSecurity admission ...
        // (privileged: true would be rejected earlier by validation: --allow-privileged defaults to false.)
        const bad = spawnSync(
            "kubectl",
            ["--kubeconfig", kc, "-n", ns, "run", "bad", "--image=busybox", "--restart=Never"],
            { encoding: "utf8" },
        );
        if (bad.status === 0 || !/violates PodSecurity "restricted/.test(bad.stderr)) {
            failed = true;
            console.error(
                `EXPECTED PodSecurity rejection, got status=${bad.status} stderr=${bad.stderr}`,
            );
        } else {
            console.log(
                `PodSecurity rejected non-compliant pod: ${bad.stderr.trim().split("\n")[0]}`,
            );
        }
        // ... and a restricted-compliant one accepted (it stays Pending: there are no nodes).
        const goodPod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "good" },
            spec: {
                securityContext: {
                    runAsNonRoot: true,
                    runAsUser: 1000,
                    seccompProfile: { type: "RuntimeDefault" },
                },
                containers: [
                    {
                        name: "c",
                        image: "busybox",
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            capabilities: { drop: ["ALL"] },
                        },
                    },
                ],
            },
        };
        kubectl(kc, ["-n", ns, "apply", "-f", "-"], JSON.stringify(goodPod));
        console.log(kubectl(kc, ["-n", ns, "get", "pods"]));

        // Namespace deletion needs the namespace controller (kube-controller-manager).
        const td = Date.now();
        kubectl(kc, ["delete", "namespace", ns, "--wait=true", "--timeout=120s"]);
        console.log(`namespace ${ns} deleted (with its pod) in ${Date.now() - td} ms`);
    } catch (e) {
        failed = true;
        const err = e as { message: string; stderr?: string };
        console.error(`FAILED: ${err.message}\n${err.stderr ?? ""}`);
        console.error(cluster.logTail("kube-apiserver"));
    } finally {
        const ts = Date.now();
        await cluster.stop();
        console.log(`stopped in ${Date.now() - ts} ms`);
    }
    console.log(failed ? "smoke: FAILED" : "smoke: OK");
    process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
