// `npm run render -- --stack dev`: print every Kubernetes object a stack would create, as
// multi-document YAML, with no cluster and no Pulumi CLI. Exit 0 with YAML on stdout; exit 1
// with the config problems on stderr and nothing on stdout; exit 2 for a usage mistake.

import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { stringify } from "yaml";
import { buildKubernetesObjects } from "../components/kubernetes-objects";
import { readStackFiles, stackFilePath } from "../stacks/read-stack-files";
import { SettingsError, validateSettings } from "../stacks/validate-settings";

const USAGE = `Usage: npm run render -- (--stack NAME | --config-file PATH) [--project-dir DIR]

  --stack NAME         render Pulumi.NAME.yaml (with Pulumi.yaml's defaults)
  --config-file PATH   render any stack file
  --project-dir DIR    where Pulumi.yaml is (default: this project)
`;

const PROJECT_DIR = path.resolve(__dirname, "..");

function main(argv: string[]): number {
    let options;
    try {
        options = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                "config-file": { type: "string" },
                "project-dir": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        }).values;
    } catch (error) {
        process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
        return 2;
    }
    if (options.help) {
        process.stdout.write(USAGE);
        return 0;
    }
    if ((options.stack === undefined) === (options["config-file"] === undefined)) {
        process.stderr.write(`Give exactly one of --stack or --config-file.\n\n${USAGE}`);
        return 2;
    }

    const projectDir = path.resolve(options["project-dir"] ?? PROJECT_DIR);
    const stackFile = options["config-file"] ?? stackFilePath(projectDir, options.stack as string);
    if (!fs.existsSync(stackFile)) {
        const stacks = fs
            .readdirSync(projectDir)
            .flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
        process.stderr.write(
            `No stack file ${stackFile}. Stacks here: ${stacks.join(", ") || "none"}.\n`,
        );
        return 1;
    }
    const raw = readStackFiles(projectDir, stackFile);

    let validated;
    try {
        validated = validateSettings(raw.values, raw.problems);
    } catch (error) {
        if (!(error instanceof SettingsError)) throw error;
        process.stderr.write(`${stackFile}: ${error.message}\n`);
        return 1;
    }
    for (const warning of validated.warnings) process.stderr.write(`warning: ${warning}\n`);

    const documents = buildKubernetesObjects(validated.settings).map((o) =>
        stringify(o, { lineWidth: 0 }),
    );
    process.stdout.write(documents.map((d) => `---\n${d}`).join(""));
    return 0;
}

process.exitCode = main(process.argv.slice(2));
