// Stack config as the Pulumi engine hands it to the program -> the raw values validateSettings
// takes. The engine has already applied Pulumi.yaml's declared defaults and types; structured
// values arrive as JSON text.

import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEY_TYPES, PROJECT } from "./defaults";
import { RawConfig } from "./raw-config";

export function readPulumiConfig(): RawConfig {
    const values: Record<string, unknown> = {};
    const problems: string[] = [];

    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(`${PROJECT}:`)) continue;
        const key = fullKey.slice(PROJECT.length + 1);
        const type = CONFIG_KEY_TYPES[key as keyof typeof CONFIG_KEY_TYPES];

        // Unknown keys pass through as they are: validation reports them with the accepted list.
        if (type === undefined || type === "string") {
            values[key] = text;
            continue;
        }
        try {
            values[key] = JSON.parse(text);
        } catch {
            problems.push(
                `${fullKey}: must be ${type === "array" ? "a list" : "an object (a YAML mapping)"} (given: ${JSON.stringify(text)})`,
            );
        }
    }
    return { values, problems };
}
