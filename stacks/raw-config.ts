/** One stack's values of this project's config keys, before validation. */
export interface RawConfig {
    /** Values by key, without the `bookwyrm-cronjobs:` prefix. */
    values: Record<string, unknown>;
    /** Problems found while reading (unreadable files, malformed values), reported with the rest. */
    problems: string[];
}
