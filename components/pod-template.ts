// The pod every job and the beat Deployment run in: BookWyrm's image, its settings from the
// operator's ConfigMaps and Secrets, and a security context that meets Pod Security
// "restricted" (non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp,
// read-only root filesystem).

import { ContainerResources, Settings } from "../stacks/settings";
import { PodSpec } from "./kubernetes-object";

export interface ContainerArgs {
    /** Container name, also used in `kubectl logs -c`. */
    name: string;
    /** The full command; it replaces the image's entrypoint. */
    command: string[];
    /** Requests and limits. */
    resources: ContainerResources;
    /** Variables that belong to this container only. */
    env?: Record<string, string>;
    /** Pod restart policy: "Never" for Jobs (failed pods stay for their logs), "Always" for beat. */
    restartPolicy: "Never" | "Always";
}

/** The pod spec for one container running BookWyrm code. */
export function bookwyrmPodSpec(settings: Settings, args: ContainerArgs): PodSpec {
    // Settings' own env first, then the container's: a job's variables win over plain extras.
    const env = { ...baseEnvironment(), ...settings.env, ...(args.env ?? {}) };

    const envFrom = [
        ...settings.envFrom.configMaps.map((name) => ({ configMapRef: { name } })),
        ...settings.envFrom.secrets.map((name) => ({ secretRef: { name } })),
    ];

    const container = {
        name: args.name,
        image: settings.image,
        imagePullPolicy: settings.imagePullPolicy,
        command: args.command,
        // settings.py opens "VERSION" relative to the working directory, the image's WORKDIR.
        workingDir: "/app",
        envFrom,
        env: Object.entries(env).map(([name, value]) => ({ name, value })),
        resources: {
            requests: { ...args.resources.requests },
            limits: { ...args.resources.limits },
        },
        securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
        },
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    };

    return {
        restartPolicy: args.restartPolicy,
        // The tasks talk to PostgreSQL, Redis and (update check) GitHub, never to the API server.
        automountServiceAccountToken: false,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: settings.podSecurity.runAsUser,
            runAsGroup: settings.podSecurity.runAsGroup,
            seccompProfile: { type: "RuntimeDefault" },
        },
        ...(settings.imagePullSecrets.length > 0
            ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) }
            : {}),
        containers: [container],
        // The root filesystem is read-only; Python, Django and Celery get a scratch /tmp.
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
    };
}

// With a read-only root and a user id that has no home directory, Python must not try to write
// bytecode next to the code, and anything that wants $HOME gets the scratch volume.
function baseEnvironment(): Record<string, string> {
    return { PYTHONDONTWRITEBYTECODE: "1", HOME: "/tmp" };
}
