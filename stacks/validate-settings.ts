// Stack config -> Settings. Merges the stack's values over DEFAULTS, checks everything, and
// either returns complete Settings (with warnings for risky but valid choices) or throws one
// SettingsError that lists every problem, each under the full config key a user would edit.

import { z } from "zod";
import { DEFAULTS, PROJECT } from "./defaults";
import { isPlainObject } from "./raw-config";
import { Settings } from "./settings";
import { settingsSchema } from "./settings-schema";
import { quantityValue } from "./value-checks";

/** Every problem of one stack config, reported together. */
export class SettingsError extends Error {
    constructor(public readonly problems: string[]) {
        const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
        super(`Invalid stack config (${count}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "SettingsError";
    }
}

export interface ValidatedSettings {
    settings: Settings;
    /** Valid but risky choices, each naming the key and what to consider. */
    warnings: string[];
}

type Raw = Record<string, unknown>;
type Path = readonly (string | number)[];

/**
 * Validates one stack's config. `raw` holds the stack's values of this project's keys, with the
 * `bookwyrm-cronjobs:` prefix removed; keys the stack does not set take their defaults.
 * `readProblems` are problems found while reading the config, reported with the rest.
 */
export function validateSettings(raw: Raw, readProblems: string[] = []): ValidatedSettings {
    const merged = mergeOver(DEFAULTS, raw) as Raw;
    const problems = [...readProblems];

    const parsed = settingsSchema.safeParse(merged);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) problems.push(...describeIssue(issue, merged));
    }
    problems.push(...crossFieldProblems(merged));

    if (problems.length > 0 || !parsed.success) throw new SettingsError(problems);

    const config = parsed.data;
    const settings: Settings = {
        ...config,
        monitoring: {
            ...config.monitoring,
            namespace: config.monitoring.namespace ?? config.namespace,
        },
    };
    return { settings, warnings: warningsFor(settings) };
}

/** The key as a user writes it with `pulumi config set --path`. */
export function keyName(path: Path): string {
    const parts = path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`));
    return `${PROJECT}:${parts.join("")}`;
}

// Objects merge key by key; arrays, scalars and anything of the wrong type replace the default,
// so the schema sees (and reports) exactly what the stack wrote.
function mergeOver(defaults: unknown, value: unknown): unknown {
    if (value === undefined) return defaults;
    if (!isPlainObject(defaults) || !isPlainObject(value)) return value;
    const result: Raw = { ...defaults };
    for (const [key, v] of Object.entries(value)) result[key] = mergeOver(defaults[key], v);
    return result;
}

function valueAt(root: unknown, path: Path): unknown {
    return path.reduce<unknown>(
        (node, key) =>
            isPlainObject(node) || Array.isArray(node) ? (node as Raw)[key] : undefined,
        root,
    );
}

function describeIssue(issue: z.core.$ZodIssue, merged: Raw): string[] {
    const path = issue.path as Path;

    if (issue.code === "unrecognized_keys") {
        const accepted = acceptedKeys(path);
        return issue.keys.map((key) => {
            const hint = closest(key, accepted);
            const suggestion = hint ? `did you mean "${hint}"? ` : "";
            return `${keyName([...path, key])}: unknown key; ${suggestion}accepted here: ${accepted.join(", ")}`;
        });
    }

    const given = valueAt(merged, path);
    const shown = given === undefined ? "nothing" : JSON.stringify(given);
    return [`${keyName(path)}: ${plainMessage(issue)} (given: ${shown})`];
}

// zod's own wording ("Invalid input: expected number, received string") reads as a library
// message; say what is accepted instead.
function plainMessage(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return `must be ${article(issue.expected)}`;
        case "invalid_value":
            return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "too_small":
            if (issue.message && !issue.message.startsWith("Too small")) return issue.message;
            return `must be ${issue.inclusive === false ? "greater than" : "at least"} ${issue.minimum}`;
        case "too_big":
            return `must be ${issue.inclusive === false ? "less than" : "at most"} ${issue.maximum}`;
        default:
            return issue.message;
    }
}

function article(type: string): string {
    const names: Record<string, string> = {
        number: "a number",
        int: "a whole number",
        string: "a string",
        boolean: "true or false",
        object: "an object (a YAML mapping)",
        array: "a list",
        record: "an object (a YAML mapping)",
    };
    return names[type] ?? type;
}

function acceptedKeys(path: Path): string[] {
    let schema: z.ZodType = settingsSchema;
    for (const key of path) {
        const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
        if (!shape?.[key as string]) return [];
        schema = shape[key as string];
        while (schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
    }
    return Object.keys((schema as unknown as { shape?: object }).shape ?? {});
}

// The accepted key within two edits of a typo, if there is one.
function closest(word: string, candidates: string[]): string | undefined {
    const distance = (a: string, b: string): number => {
        const row = Array.from({ length: b.length + 1 }, (_, i) => i);
        for (let i = 1; i <= a.length; i++) {
            let previous = row[0];
            row[0] = i;
            for (let j = 1; j <= b.length; j++) {
                const current = row[j];
                row[j] = Math.min(
                    row[j] + 1,
                    row[j - 1] + 1,
                    previous + (a[i - 1] === b[j - 1] ? 0 : 1),
                );
                previous = current;
            }
        }
        return row[b.length];
    };
    const best = candidates
        .map((c) => ({ c, d: distance(word.toLowerCase(), c.toLowerCase()) }))
        .sort((x, y) => x.d - y.d)[0];
    return best && best.d <= 2 ? best.c : undefined;
}

// Rules that join two keys. They read the merged config defensively, so they can be reported in
// the same run as type errors elsewhere.
function crossFieldProblems(merged: Raw): string[] {
    const problems: string[] = [];

    const resourcePaths: Path[] = [
        ...Object.keys(DEFAULTS.jobs).map((job) => ["jobs", job, "resources"]),
        ["beat", "resources"],
    ];
    for (const path of resourcePaths) {
        for (const kind of ["cpu", "memory"]) {
            const request = valueAt(merged, [...path, "requests", kind]);
            const limit = valueAt(merged, [...path, "limits", kind]);
            if (typeof request !== "string" || typeof limit !== "string") continue;
            if (quantityValue(request) > quantityValue(limit)) {
                problems.push(
                    `${keyName([...path, "requests", kind])}: must not exceed ${keyName([...path, "limits", kind])} ` +
                        `(given: request ${request}, limit ${limit}); Kubernetes refuses a request above its limit`,
                );
            }
        }
    }

    if (
        valueAt(merged, ["monitoring", "enabled"]) === true &&
        valueAt(merged, ["monitoring", "runbookUrl"]) === ""
    ) {
        problems.push(
            `${keyName(["monitoring", "runbookUrl"])}: required when monitoring.enabled is true ` +
                "(given: nothing); set the http(s) address where this README is published, so each alert links to its section",
        );
    }
    return problems;
}

function warningsFor(settings: Settings): string[] {
    const warnings: string[] = [];

    if (settings.envFrom.configMaps.length === 0 && settings.envFrom.secrets.length === 0) {
        warnings.push(
            `${keyName(["envFrom"])} names no ConfigMap or Secret: BookWyrm needs DOMAIN, SECRET_KEY, ` +
                "EMAIL_HOST* and the database settings, so every job will fail until they are provided",
        );
    }

    for (const [name, job] of Object.entries(settings.jobs)) {
        if (job.ttlSecondsAfterFinished < 3600) {
            warnings.push(
                `${keyName(["jobs", name, "ttlSecondsAfterFinished"])} is ${job.ttlSecondsAfterFinished}: ` +
                    "a failed Job and its logs are deleted within the hour, likely before anyone reads them",
            );
        }
    }
    return warnings;
}
