// A throwaway Kubernetes control plane for end-to-end tests: etcd + kube-apiserver +
// kube-controller-manager, all on 127.0.0.1 with free ports picked at runtime, built by
// e2e/tools/build.sh. There are no nodes and no kubelet: pods stay Pending.
//
// Usage:
//   const cluster = await startCluster();          // binDir: opts.binDir | $BOOKWYRM_E2E_BIN_DIR | build.sh
//   ... kubectl --kubeconfig cluster.kubeconfigPath ...
//   await cluster.stop();
//
// Only node built-ins are used; certificates and keys are made with the `openssl` CLI.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export interface TestCluster {
    /** Admin kubeconfig (token auth, group system:masters), context "e2e". */
    kubeconfigPath: string;
    /** https://127.0.0.1:<port> */
    server: string;
    /** Bearer token of the admin user in kubeconfigPath. */
    token: string;
    /** PEM file of the cluster CA (serving cert of the API server is signed by it). */
    caFile: string;
    /** Directory with pulumi, pulumi-language-nodejs, pulumi-resource-kubernetes, kube-*, etcd. */
    binDir: string;
    /** Temp dir with certs, etcd data and the processes' logs (removed by stop()). */
    workDir: string;
    /** Kubernetes version reported by /version, e.g. "v1.36.3". */
    version: string;
    /** Kill every process (process groups) and remove workDir. Idempotent. */
    stop(): Promise<void>;
    /** Last lines of a component's log ("etcd", "kube-apiserver", "kube-controller-manager"). */
    logTail(component: string, lines?: number): string;
}

export interface StartClusterOptions {
    binDir?: string;
    /** Overall timeout for startup (ms). Default 120000. */
    timeoutMs?: number;
    /** Keep workDir after stop() (for debugging). Default: $BOOKWYRM_E2E_KEEP_WORKDIR === "1". */
    keepWorkDir?: boolean;
    /** Wait until kube-controller-manager created ServiceAccount default/default. Default true. */
    waitForControllers?: boolean;
    /** Extra kube-apiserver flags. */
    apiserverArgs?: string[];
}

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const BUILD_SH = path.join(REPO_ROOT, "e2e", "tools", "build.sh");
const WORKDIR_PREFIX = "bookwyrm-e2e-cluster-";

/**
 * The bin dir of the e2e tools: $BOOKWYRM_E2E_BIN_DIR if set, else runs e2e/tools/build.sh (which only
 * builds what is missing from its cache: seconds when warm, ~30-50 min cold) and takes its last
 * stdout line.
 */
export function resolveBinDir(binDir?: string): string {
    const dir =
        binDir ||
        process.env.BOOKWYRM_E2E_BIN_DIR ||
        execFileSync("bash", [BUILD_SH], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" })
            .trim()
            .split("\n")
            .pop()!
            .trim();
    for (const b of ["etcd", "kube-apiserver", "kube-controller-manager"]) {
        if (!fs.existsSync(path.join(dir, b))) {
            throw new Error(`${b} not found in ${dir}; run e2e/tools/build.sh`);
        }
    }
    return dir;
}

/**
 * Environment for running the Pulumi CLI built by build.sh offline against `cluster`: PATH starts
 * with binDir (the CLI finds pulumi-language-nodejs and pulumi-resource-kubernetes there as ambient
 * plugins; each command then warns "using pulumi-resource-kubernetes from $PATH", see
 * installProviderPlugin to avoid it), a local file backend, no update check, no plugin downloads,
 * KUBECONFIG set. The provider reads KUBECONFIG (no explicit k8s.Provider needed).
 */
export function pulumiEnv(
    cluster: TestCluster,
    backendDir: string,
    extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
    return {
        ...process.env,
        PATH: `${cluster.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
        KUBECONFIG: cluster.kubeconfigPath,
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: "test",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        PULUMI_HOME: path.join(backendDir, ".pulumi-home"),
        // The language host built here is the v3.68.0 fallback (see e2e/tools/NOTES.md). It ignores
        // Pulumi.yaml runtime options (typescript: false) and always registers ts-node, which then
        // type-checks the program on every run (up 26 s instead of 9 s for this project). Transpile only.
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        ...extra,
    };
}

/**
 * Alternative to the ambient (PATH) provider lookup, which makes every pulumi command print
 * "warning: using pulumi-resource-kubernetes from $PATH at ...": copy the provider into
 * <pulumiHome>/plugins as resource-kubernetes-v4.25.0 (`pulumi plugin install --file`, offline, ~1.5 s,
 * 167 MB), then run pulumi with PULUMI_HOME=pulumiHome and PULUMI_IGNORE_AMBIENT_PLUGINS=true (the
 * language host is still found next to the pulumi binary). Skips the copy when already installed.
 */
export function installProviderPlugin(
    binDir: string,
    pulumiHome: string,
    version = "4.25.0",
): void {
    if (
        fs.existsSync(
            path.join(
                pulumiHome,
                "plugins",
                `resource-kubernetes-v${version}`,
                "pulumi-resource-kubernetes",
            ),
        )
    )
        return;
    execFileSync(
        path.join(binDir, "pulumi"),
        [
            "plugin",
            "install",
            "resource",
            "kubernetes",
            version,
            "--file",
            path.join(binDir, "pulumi-resource-kubernetes"),
        ],
        {
            env: { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" },
            stdio: ["ignore", "pipe", "pipe"],
        },
    );
}

// ---------------------------------------------------------------------------------------------
// process bookkeeping: every child is a process-group leader (detached), killed on stop() and,
// as a last resort, on process exit / SIGINT / SIGTERM / SIGHUP.

interface Proc {
    name: string;
    child: ChildProcess;
    exited: boolean;
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    logFile: string;
}

const liveClusters = new Set<ClusterImpl>();
let handlersInstalled = false;

function installExitHandlers(): void {
    if (handlersInstalled) return;
    handlersInstalled = true;
    process.on("exit", () => {
        for (const c of liveClusters) c.killSync();
    });
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        const handler = () => {
            for (const c of liveClusters) c.killSync();
            // Restore default behaviour and re-raise so the exit status reflects the signal,
            // unless somebody else (e.g. mocha) also listens.
            process.removeListener(sig, handler);
            if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        };
        process.on(sig, handler);
    }
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
    if (!pid) return;
    try {
        process.kill(-pid, sig);
    } catch {
        try {
            process.kill(pid, sig);
        } catch {
            /* already gone */
        }
    }
}

class ClusterImpl implements TestCluster {
    kubeconfigPath = "";
    server = "";
    token = "";
    caFile = "";
    version = "";
    procs: Proc[] = [];
    private stopped = false;

    constructor(
        public binDir: string,
        public workDir: string,
        private keepWorkDir: boolean,
    ) {}

    spawn(name: string, args: string[]): Proc {
        const logFile = path.join(this.workDir, "logs", `${name}.log`);
        const fd = fs.openSync(logFile, "a");
        const child = spawn(path.join(this.binDir, name), args, {
            cwd: this.workDir,
            detached: true, // own process group, so stop() can kill the whole group
            stdio: ["ignore", fd, fd],
            env: { ...process.env, GOTRACEBACK: "all" },
        });
        fs.closeSync(fd);
        if (child.pid) fs.appendFileSync(path.join(this.workDir, "pgids"), `${child.pid}\n`);
        const p: Proc = { name, child, exited: false, exitCode: null, signal: null, logFile };
        child.on("exit", (code, signal) => {
            p.exited = true;
            p.exitCode = code;
            p.signal = signal;
        });
        child.on("error", (err) => {
            p.exited = true;
            fs.appendFileSync(logFile, `\n[cluster.ts] spawn error: ${err.message}\n`);
        });
        this.procs.push(p);
        return p;
    }

    logTail(component: string, lines = 40): string {
        try {
            const all = fs
                .readFileSync(path.join(this.workDir, "logs", `${component}.log`), "utf8")
                .split("\n");
            return all.slice(-lines).join("\n");
        } catch (e) {
            return `(no log: ${(e as Error).message})`;
        }
    }

    killSync(): void {
        for (const p of this.procs) if (!p.exited) killGroup(p.child.pid, "SIGKILL");
        if (!this.keepWorkDir) {
            try {
                fs.rmSync(this.workDir, { recursive: true, force: true });
            } catch {
                /* best effort */
            }
        }
        liveClusters.delete(this);
    }

    async stop(): Promise<void> {
        if (this.stopped) return;
        this.stopped = true;
        // Reverse start order: controller-manager, apiserver, etcd.
        for (const p of [...this.procs].reverse()) {
            if (p.exited) continue;
            killGroup(p.child.pid, "SIGTERM");
            const ok = await waitFor(() => p.exited, 10000, 50);
            if (!ok) {
                killGroup(p.child.pid, "SIGKILL");
                await waitFor(() => p.exited, 5000, 50);
            }
            // Children of the leader (none expected) die with the group.
            killGroup(p.child.pid, "SIGKILL");
        }
        if (!this.keepWorkDir) fs.rmSync(this.workDir, { recursive: true, force: true });
        liveClusters.delete(this);
    }
}

// ---------------------------------------------------------------------------------------------
// helpers

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(
    cond: () => boolean | Promise<boolean>,
    timeoutMs: number,
    intervalMs = 200,
): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await cond()) return true;
        if (Date.now() > deadline) return false;
        await sleep(intervalMs);
    }
}

/** Free TCP ports on 127.0.0.1 (all held open together so they are distinct, then released). */
async function freePorts(n: number): Promise<number[]> {
    const servers: net.Server[] = [];
    try {
        const ports: number[] = [];
        for (let i = 0; i < n; i++) {
            const s = net.createServer();
            servers.push(s);
            await new Promise<void>((res, rej) => {
                s.once("error", rej);
                s.listen(0, "127.0.0.1", () => res());
            });
            ports.push((s.address() as net.AddressInfo).port);
        }
        return ports;
    } finally {
        await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
}

function openssl(cwd: string, args: string[]): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

interface HttpResult {
    status: number;
    body: string;
}

function request(
    url: string,
    opts: { ca?: Buffer; token?: string; insecure?: boolean },
): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
        const u = new URL(url);
        const mod = u.protocol === "https:" ? https : http;
        const req = mod.request(
            u,
            {
                method: "GET",
                ca: opts.ca,
                rejectUnauthorized: !opts.insecure,
                headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {},
                timeout: 5000,
            },
            (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (d) => (body += d));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
        req.end();
    });
}

function kubeconfigYaml(server: string, caFile: string, user: string, token: string): string {
    // JSON is valid YAML; kubectl and client-go accept it.
    return JSON.stringify(
        {
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "e2e", cluster: { server, "certificate-authority": caFile } }],
            users: [{ name: user, user: { token } }],
            contexts: [{ name: "e2e", context: { cluster: "e2e", user, namespace: "default" } }],
            "current-context": "e2e",
            preferences: {},
        },
        null,
        2,
    );
}

/**
 * Safety net for runs that were SIGKILLed (no exit handler ran): kill the process groups recorded in
 * leftover work dirs whose owner process is gone, and remove those dirs.
 */
export function reapStaleClusters(): void {
    const tmp = os.tmpdir();
    for (const name of fs.readdirSync(tmp)) {
        if (!name.startsWith(WORKDIR_PREFIX)) continue;
        const dir = path.join(tmp, name);
        try {
            const owner = Number(fs.readFileSync(path.join(dir, "owner.pid"), "utf8"));
            if (owner > 0) {
                try {
                    process.kill(owner, 0);
                    continue; // owner alive
                } catch {
                    /* owner gone */
                }
            }
            if (fs.existsSync(path.join(dir, "pgids"))) {
                for (const l of fs.readFileSync(path.join(dir, "pgids"), "utf8").split("\n")) {
                    const pgid = Number(l);
                    // Only kill groups that still run our binaries from this work dir.
                    if (pgid > 0 && groupUsesDir(pgid, dir)) killGroup(pgid, "SIGKILL");
                }
            }
            fs.rmSync(dir, { recursive: true, force: true });
        } catch {
            /* not ours or already gone */
        }
    }
}

function groupUsesDir(pid: number, dir: string): boolean {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
    } catch {
        return false;
    }
}

// ---------------------------------------------------------------------------------------------

export async function startCluster(opts: StartClusterOptions = {}): Promise<TestCluster> {
    const binDir = resolveBinDir(opts.binDir);
    const timeoutMs = opts.timeoutMs ?? 120000;
    const deadline = Date.now() + timeoutMs;
    const keep = opts.keepWorkDir ?? process.env.BOOKWYRM_E2E_KEEP_WORKDIR === "1";
    reapStaleClusters();
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), WORKDIR_PREFIX));
    fs.writeFileSync(path.join(workDir, "owner.pid"), String(process.pid));
    const c = new ClusterImpl(binDir, workDir, keep);
    installExitHandlers();
    liveClusters.add(c);

    const fail = async (msg: string): Promise<never> => {
        const tails = c.procs.map(
            (p) =>
                `--- ${p.name} (exited=${p.exited} code=${p.exitCode} signal=${p.signal})\n${c.logTail(p.name, 30)}`,
        );
        const saved = keep ? ` (workDir kept: ${workDir})` : "";
        await c.stop();
        throw new Error(`startCluster: ${msg}${saved}\n${tails.join("\n")}`);
    };
    const checkAlive = async (): Promise<void> => {
        for (const p of c.procs) if (p.exited) await fail(`${p.name} exited early`);
    };

    try {
        fs.mkdirSync(path.join(workDir, "logs"));
        fs.mkdirSync(path.join(workDir, "pki"));
        const pki = path.join(workDir, "pki");

        // --- certificates and keys
        openssl(pki, [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "3",
            "-subj",
            "/CN=bookwyrm-e2e-ca",
        ]);
        fs.writeFileSync(
            path.join(pki, "apiserver.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n" +
                "extendedKeyUsage=serverAuth\n" +
                "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default," +
                "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1\n",
        );
        openssl(pki, [
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "apiserver.key",
            "-out",
            "apiserver.csr",
            "-subj",
            "/CN=kube-apiserver",
        ]);
        openssl(pki, [
            "x509",
            "-req",
            "-in",
            "apiserver.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "apiserver.crt",
            "-days",
            "3",
            "-extfile",
            "apiserver.ext",
        ]);
        openssl(pki, ["genrsa", "-out", "sa.key", "2048"]);
        openssl(pki, ["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
        const adminToken = crypto.randomBytes(24).toString("hex");
        const kcmToken = crypto.randomBytes(24).toString("hex");
        // token,user,uid,"group1,group2"
        fs.writeFileSync(
            path.join(pki, "tokens.csv"),
            `${adminToken},e2e-admin,e2e-admin,"system:masters"\n` +
                `${kcmToken},system:kube-controller-manager,system:kube-controller-manager,"system:masters"\n`,
            { mode: 0o600 },
        );
        const caFile = path.join(pki, "ca.crt");
        const ca = fs.readFileSync(caFile);

        const [etcdClient, etcdPeer, apiPort, kcmPort] = await freePorts(4);
        const etcdUrl = `http://127.0.0.1:${etcdClient}`;
        const server = `https://127.0.0.1:${apiPort}`;

        // --- etcd
        c.spawn("etcd", [
            "--name=e2e",
            `--data-dir=${path.join(workDir, "etcd")}`,
            `--listen-client-urls=${etcdUrl}`,
            `--advertise-client-urls=${etcdUrl}`,
            `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
            `--initial-cluster=e2e=http://127.0.0.1:${etcdPeer}`,
            "--initial-cluster-state=new",
            "--unsafe-no-fsync=true", // test data only: much faster on slow disks
            "--log-level=warn",
        ]);
        const etcdOk = await waitFor(
            async () => {
                await checkAlive();
                try {
                    const r = await request(`${etcdUrl}/health`, {});
                    return r.status === 200 && r.body.includes('"true"');
                } catch {
                    return false;
                }
            },
            Math.max(1000, deadline - Date.now()),
        );
        if (!etcdOk) await fail("etcd did not become healthy");

        // --- kube-apiserver
        c.spawn("kube-apiserver", [
            `--etcd-servers=${etcdUrl}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            `--secure-port=${apiPort}`,
            `--cert-dir=${path.join(workDir, "apiserver-certs")}`,
            `--tls-cert-file=${path.join(pki, "apiserver.crt")}`,
            `--tls-private-key-file=${path.join(pki, "apiserver.key")}`,
            `--client-ca-file=${caFile}`,
            `--token-auth-file=${path.join(pki, "tokens.csv")}`,
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            `--service-account-key-file=${path.join(pki, "sa.pub")}`,
            `--service-account-signing-key-file=${path.join(pki, "sa.key")}`,
            "--service-cluster-ip-range=10.0.0.0/24",
            // PodSecurity is in the default admission set of v1.36 (see kube-apiserver -h); named here
            // explicitly anyway (--enable-admission-plugins only adds to the defaults).
            "--enable-admission-plugins=PodSecurity",
            "--profiling=false",
            "--v=1",
            ...(opts.apiserverArgs ?? []),
        ]);
        let lastErr = "";
        const apiOk = await waitFor(
            async () => {
                await checkAlive();
                try {
                    const r = await request(`${server}/readyz`, { ca, token: adminToken });
                    lastErr = `${r.status} ${r.body.slice(0, 300)}`;
                    return r.status === 200 && r.body.trim() === "ok";
                } catch (e) {
                    lastErr = (e as Error).message;
                    return false;
                }
            },
            Math.max(1000, deadline - Date.now()),
            300,
        );
        if (!apiOk) await fail(`kube-apiserver /readyz not ok: ${lastErr}`);
        const ver = await request(`${server}/version`, { ca, token: adminToken });
        c.version = JSON.parse(ver.body).gitVersion;

        // --- kubeconfigs
        const kubeconfigPath = path.join(workDir, "kubeconfig");
        fs.writeFileSync(kubeconfigPath, kubeconfigYaml(server, caFile, "e2e-admin", adminToken), {
            mode: 0o600,
        });
        const kcmKubeconfig = path.join(workDir, "kcm.kubeconfig");
        fs.writeFileSync(
            kcmKubeconfig,
            kubeconfigYaml(server, caFile, "system:kube-controller-manager", kcmToken),
            { mode: 0o600 },
        );

        // --- kube-controller-manager
        c.spawn("kube-controller-manager", [
            `--kubeconfig=${kcmKubeconfig}`,
            `--authentication-kubeconfig=${kcmKubeconfig}`,
            `--authorization-kubeconfig=${kcmKubeconfig}`,
            "--bind-address=127.0.0.1",
            `--secure-port=${kcmPort}`,
            `--cert-dir=${path.join(workDir, "kcm-certs")}`,
            `--service-account-private-key-file=${path.join(pki, "sa.key")}`,
            `--root-ca-file=${caFile}`,
            `--cluster-signing-cert-file=${caFile}`,
            `--cluster-signing-key-file=${path.join(pki, "ca.key")}`,
            "--service-cluster-ip-range=10.0.0.0/24",
            "--controllers=*",
            "--leader-elect=false",
            "--profiling=false",
            "--v=1",
        ]);
        const kcmOk = await waitFor(
            async () => {
                await checkAlive();
                try {
                    const r = await request(`https://127.0.0.1:${kcmPort}/healthz`, {
                        insecure: true,
                    });
                    return r.status === 200;
                } catch {
                    return false;
                }
            },
            Math.max(1000, deadline - Date.now()),
            300,
        );
        if (!kcmOk) await fail("kube-controller-manager /healthz not ok");
        if (opts.waitForControllers ?? true) {
            // The serviceaccount controller creates default/default: proof the controllers run.
            const saOk = await waitFor(
                async () => {
                    await checkAlive();
                    try {
                        const r = await request(
                            `${server}/api/v1/namespaces/default/serviceaccounts/default`,
                            { ca, token: adminToken },
                        );
                        return r.status === 200;
                    } catch {
                        return false;
                    }
                },
                Math.max(1000, deadline - Date.now()),
                300,
            );
            if (!saOk)
                await fail("kube-controller-manager did not create ServiceAccount default/default");
        }

        c.kubeconfigPath = kubeconfigPath;
        c.server = server;
        c.token = adminToken;
        c.caFile = caFile;
        return c;
    } catch (e) {
        if (liveClusters.has(c)) await c.stop();
        throw e;
    }
}
