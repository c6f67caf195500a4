/** One stack's values of this project's config keys, before validation. */
export interface RawConfig {
    /** Values by key, without the `bookwyrm-cronjobs:` prefix. */
    values: Record<string, unknown>;
    /** Problems found while reading (unreadable files, malformed values), reported with the rest. */
    problems: string[];
}

/** A YAML/JSON mapping: an object that is not null and not a list. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
