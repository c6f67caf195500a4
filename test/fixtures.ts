// Small helpers shared by the unit tests.

import { Settings } from "../stacks/settings";
import { validateSettings } from "../stacks/validate-settings";

/** Settings from DEFAULTS with `values` merged over them, as a stack file would write them. */
export function settingsWith(values: Record<string, unknown> = {}): Settings {
    return validateSettings(values).settings;
}

/** The problems validateSettings reports for `values`; fails the test if it reports none. */
export function problemsOf(values: Record<string, unknown>): string[] {
    try {
        validateSettings(values);
    } catch (error) {
        const problems = (error as { problems?: string[] }).problems;
        if (problems) return problems;
        throw error;
    }
    throw new Error(`expected problems for ${JSON.stringify(values)}, got valid settings`);
}

export const MONITORING_ON = { enabled: true, runbookUrl: "https://docs.example.org/README.md" };
