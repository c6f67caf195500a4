// Pulumi.yaml + one stack file -> the raw values validateSettings takes, the way the Pulumi CLI
// would combine them (project defaults, then the stack's values), but with no CLI and no
// cluster. This is what the render command runs on.

import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT } from "./defaults";
import { RawConfig, isPlainObject } from "./raw-config";

/** Reads the project file in `projectDir` and the stack file at `stackFile`. */
export function readStackFiles(projectDir: string, stackFile: string): RawConfig {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};

    const project = readYaml(path.join(projectDir, "Pulumi.yaml"), problems);
    for (const [key, declaration] of ownKeys(project?.config)) {
        // A declaration is `{type, description, default}`; a bare value is shorthand for a default.
        const isDeclaration =
            isPlainObject(declaration) && ("type" in declaration || "default" in declaration);
        const value = isDeclaration ? declaration.default : declaration;
        if (value !== undefined) values[key] = value;
    }

    const stack = readYaml(stackFile, problems);
    for (const [key, value] of ownKeys(stack?.config)) {
        if (isPlainObject(value) && "secure" in value) {
            problems.push(
                `${PROJECT}:${key}: is an encrypted secret; this program takes no secrets in stack config (put them in a Kubernetes Secret named in envFrom.secrets)`,
            );
            continue;
        }
        values[key] = value;
    }
    return { values, problems };
}

/** Stack file path for a stack name, e.g. `dev` -> `<projectDir>/Pulumi.dev.yaml`. */
export function stackFilePath(projectDir: string, stack: string): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

// This project's keys of a `config:` mapping, with the `bookwyrm-cronjobs:` prefix removed.
// Keys of other namespaces (`kubernetes:context`, `pulumi:tags`) are the engine's business.
function ownKeys(config: unknown): [string, unknown][] {
    if (!isPlainObject(config)) return [];
    return Object.entries(config).flatMap(([key, value]): [string, unknown][] => {
        if (key.startsWith(`${PROJECT}:`)) return [[key.slice(PROJECT.length + 1), value]];
        return key.includes(":") ? [] : [[key, value]];
    });
}

function readYaml(file: string, problems: string[]): Record<string, unknown> | undefined {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        problems.push(
            `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        );
        return undefined;
    }
    try {
        const parsed: unknown = parse(text);
        if (parsed === null || parsed === undefined) return {};
        if (isPlainObject(parsed)) return parsed;
        problems.push(`${file}: must be a YAML mapping with a "config:" key`);
    } catch (error) {
        problems.push(`${file}: is not valid YAML (${(error as Error).message.split("\n")[0]})`);
    }
    return undefined;
}
