// Checks for single config values that the JSON types alone cannot express. Each returns
// undefined when the value is fine, or a sentence that says what is accepted.

import { CronExpressionParser } from "cron-parser";

// The descriptors robfig/cron's ParseStandard accepts, which is what the CronJob controller
// and the API server use. `@every <duration>` is accepted there too but undocumented by
// Kubernetes, so it is refused here in favour of a plain five-field expression.
const CRON_MACROS = new Set([
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
]);
const MONTH_NAMES = new Set("jan feb mar apr may jun jul aug sep oct nov dec".split(" "));
const DAY_NAMES = new Set("sun mon tue wed thu fri sat".split(" "));
const CRON_ACCEPTED =
    'five fields (minute hour day-of-month month day-of-week, e.g. "0 */6 * * *") ' +
    `or one of ${[...CRON_MACROS].join(", ")}`;

/** The Kubernetes CronJob schedule dialect, checked before the API server would see it. */
export function cronProblem(schedule: string): string | undefined {
    if (/TZ/.test(schedule)) {
        return "must not carry TZ= or CRON_TZ= (Kubernetes refuses it since 1.29); set timeZone instead";
    }

    const text = schedule.trim();
    if (text.startsWith("@")) {
        if (CRON_MACROS.has(text.toLowerCase())) return undefined;
        return `is not a Kubernetes cron schedule; accepted: ${CRON_ACCEPTED}`;
    }

    const fields = text.split(/\s+/);
    if (fields.length !== 5) {
        return `has ${fields.length} field(s); accepted: ${CRON_ACCEPTED}`;
    }

    // cron-parser is more liberal than robfig/cron (L, W, #, H, day 7, seconds); refuse those
    // extensions first so that what passes here also passes the API server.
    if (/[#]/.test(text))
        return `uses "#", which Kubernetes cron does not support; accepted: ${CRON_ACCEPTED}`;
    for (const [index, field] of fields.entries()) {
        for (const word of field.match(/[a-z]+/gi) ?? []) {
            const names = index === 3 ? MONTH_NAMES : index === 4 ? DAY_NAMES : undefined;
            if (!names?.has(word.toLowerCase())) {
                return `has "${word}" in field ${index + 1}, which Kubernetes cron does not support; accepted: ${CRON_ACCEPTED}`;
            }
        }
    }
    if ((fields[4].match(/\d+/g) ?? []).some((n) => Number(n) > 6)) {
        return "has a day-of-week above 6; Kubernetes cron counts Sunday as 0 (or sun)";
    }

    try {
        CronExpressionParser.parse(text, { strict: false });
    } catch (error) {
        return `is not a valid cron expression (${(error as Error).message}); accepted: ${CRON_ACCEPTED}`;
    }
    return undefined;
}

/** An IANA zone name the API server will take for spec.timeZone. */
export function timeZoneProblem(zone: string): string | undefined {
    const accepted = 'an IANA time zone name such as "Etc/UTC" or "Europe/Paris"';
    // The API server refuses "Local" and checks each path segment's characters and length.
    if (
        zone === "Local" ||
        !zone.split("/").every((part) => /^[A-Za-z.\-_0-9+]{1,14}$/.test(part))
    ) {
        return `must be ${accepted}`;
    }
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
    } catch {
        return `is not a known time zone; accepted: ${accepted}`;
    }
    return undefined;
}

// The Kubernetes quantity grammar (k8s.io/apimachinery resource.Quantity): a non-negative
// decimal number with a binary-SI, decimal-SI or exponent suffix.
const QUANTITY = /^\+?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const SUFFIX_FACTOR: Record<string, number> = {
    "": 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

export function quantityProblem(value: string): string | undefined {
    const match = QUANTITY.exec(value);
    if (!match) return 'must be a Kubernetes quantity such as "50m", "1", "128Mi" or "1Gi"';
    if (quantityValue(value) === 0) return "must be greater than zero";
    return undefined;
}

/** The numeric value of a quantity that passed quantityProblem, for comparing two of them. */
export function quantityValue(value: string): number {
    const match = QUANTITY.exec(value);
    if (!match) return Number.NaN;
    const suffix = match[3] ?? "";
    const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTOR[suffix];
    return Number(match[1]) * factor;
}

/** RFC 1123 label: namespaces. */
export function dnsLabelProblem(name: string): string | undefined {
    if (name.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
        return "must be a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit";
    }
    return undefined;
}

/** RFC 1123 subdomain: ConfigMap, Secret and most other object names. */
export function dnsSubdomainProblem(name: string): string | undefined {
    const label = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    if (name.length > 253 || !new RegExp(`^${label}(\\.${label})*$`).test(name)) {
        return "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253, starting and ending with a letter or digit";
    }
    return undefined;
}

/** A container image pinned by a tag other than `latest`, or by digest. */
export function pinnedImageProblem(image: string): string | undefined {
    const accepted =
        'an image pinned by tag or digest, e.g. "ghcr.io/bookwyrm-social/bookwyrm:v0.9.2"';
    if (/\s/.test(image) || image === "") return `must be ${accepted}`;

    const [name, digest] = image.split("@", 2);
    if (digest !== undefined) {
        return /^sha256:[a-f0-9]{64}$/.test(digest)
            ? undefined
            : `has a malformed digest; must be ${accepted}`;
    }

    // A colon after the last slash separates the tag; one before it is a registry port.
    const lastPart = name.slice(name.lastIndexOf("/") + 1);
    const colon = lastPart.lastIndexOf(":");
    if (colon < 0)
        return `has no tag, so every pull may bring a different image; must be ${accepted}`;
    const tag = lastPart.slice(colon + 1);
    if (tag === "latest")
        return `uses ":latest", which moves with every release; must be ${accepted}`;
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return `has a malformed tag; must be ${accepted}`;
    return undefined;
}

/** A Prometheus duration as PrometheusRule `for` takes it, e.g. `0m`, `15m`, `1h30m`. */
export function promDurationProblem(value: string): string | undefined {
    const ok =
        value === "0" ||
        /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/.test(value);
    return ok && value !== ""
        ? undefined
        : 'must be a Prometheus duration such as "0m", "15m" or "1h30m"';
}

/** Comma-separated PromQL label matchers, e.g. `job="kube-state-metrics"`. */
export function labelMatchersProblem(value: string): string | undefined {
    const matcher = String.raw`\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"([^"\\]|\\.)*"\s*`;
    if (new RegExp(`^${matcher}(,${matcher})*$`).test(value)) return undefined;
    return 'must be PromQL label matchers such as job="kube-state-metrics" (several separated by commas)';
}

/** A Kubernetes label key (optional DNS prefix and a name of at most 63 characters). */
export function labelKeyProblem(key: string): string | undefined {
    const [prefix, name] = key.includes("/") ? key.split("/", 2) : [undefined, key];
    const nameOk = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(name);
    if (nameOk && (prefix === undefined || dnsSubdomainProblem(prefix) === undefined))
        return undefined;
    return "is not a valid label key: at most 63 letters, digits, '-', '_' and '.', with an optional DNS prefix and '/'";
}

/** A Kubernetes label value. */
export function labelValueProblem(value: string): string | undefined {
    if (/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(value)) return undefined;
    return "is not a valid label value: at most 63 letters, digits, '-', '_' and '.'";
}

// Labels the alerts set themselves; an extra label of the same name would silently replace them.
const ALERT_OWN_LABELS = [
    "alertname",
    "severity",
    "namespace",
    "cronjob",
    "job_name",
    "deployment",
];

/** An extra alert label: a Prometheus label name that does not clash with the alerts' own. */
export function alertLabelNameProblem(key: string): string | undefined {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) return "is not a valid Prometheus label name";
    if (ALERT_OWN_LABELS.includes(key)) {
        return `is set by the alerts themselves (${ALERT_OWN_LABELS.join(", ")}); use monitoring.alerts.<alert>.severity for severity`;
    }
    return undefined;
}

// Names that BookWyrm reads secrets from. Plain env lives in the stack file, in git; these
// belong in a Secret named in envFrom.secrets.
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|PRIVATE|ACCESS_KEY)/;

export function envNameProblem(name: string): string | undefined {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        return "is not a valid environment variable name (letters, digits and '_', not starting with a digit)";
    }
    if (SECRET_NAME.test(name.toUpperCase())) {
        return "looks like a secret; put it in a Kubernetes Secret and name that Secret in envFrom.secrets";
    }
    return undefined;
}

/** The runbook's address: empty (monitoring off) or an absolute http(s) URL. */
export function runbookUrlProblem(value: string): string | undefined {
    if (value === "") return undefined;
    try {
        if (["http:", "https:"].includes(new URL(value).protocol)) return undefined;
    } catch {
        // Not a URL at all: same answer as a URL of another scheme.
    }
    return "must be an absolute http(s) address, e.g. https://git.example.org/ops/bookwyrm-cronjobs/README.md";
}
