// Runs the db-cleanup job's Python for real: Django 5.2 (the series BookWyrm pins) on SQLite,
// with a stand-in `bookwyrm` app whose UserSession and Notification have BookWyrm's fields
// (test/fixtures/django), and sessions in a cache-backed session store as in production. The
// script runs the way the CronJob runs it: the container's command (`python manage.py shell -c
// <script>`) from buildCronJob, the settings from cleanupEnvironment, in the project directory.
//
// One database and store are created and seeded once; each case gets its own copy of both.
// Needs the virtualenv from scripts/install-python-test-deps.sh.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { buildCronJob } from "../components/cronjob";
import { TASK_SCRIPTS, cleanupEnvironment } from "../components/task-scripts";
import { CleanupSettings } from "../stacks/settings";
import { settingsWith } from "./fixtures";

const FIXTURE = path.join(__dirname, "fixtures", "django");
const INSTALL_SCRIPT = "scripts/install-python-test-deps.sh";
// The same default as the install script's ${BOOKWYRM_TEST_VENV:-...}.
const VENV =
    process.env.BOOKWYRM_TEST_VENV ||
    path.join(os.homedir(), ".cache", "bookwyrm-cronjobs", "venv");
const PYTHON = path.join(VENV, "bin", "python");

/** What cleanup_fixture.py `create` seeded, by role (see NOTIFICATIONS there for the ages). */
interface Seeded {
    users: Record<string, number>;
    sessions: Record<
        | "live_alice"
        | "live_bob"
        | "stale_expired_carol"
        | "stale_unknown_alice"
        | "stale_unknown_bob",
        number
    >;
    notifications: Record<
        | "read_old_91d"
        | "read_old_200d"
        | "read_old_400d"
        | "read_recent_89d"
        | "read_recent_0d"
        | "unread_old_91d"
        | "unread_old_400d"
        | "unread_recent_0d",
        number
    >;
    /** [notification id, user id] rows of Notification.related_users. */
    links: [number, number][];
    /** The UserSession ids whose session the session store has. */
    sessionsInStore: number[];
}

/** What cleanup_fixture.py `dump` reads back; null where the table is missing. */
interface Dump {
    users: number[];
    sessions: number[] | null;
    notifications: number[] | null;
    links: [number, number][] | null;
}

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    /** stdout without Django 5.2's "N objects imported automatically" banner and blank lines. */
    lines: string[];
}

/** The part of a built CronJob's spec read here, with the Pulumi Input types as plain values. */
interface PlainCronJobSpec {
    jobTemplate: {
        spec: {
            template: {
                spec: {
                    containers: { command: string[]; env?: { name: string; value?: string }[] }[];
                };
            };
        };
    };
}

const ids = (record: Record<string, number>): number[] =>
    Object.values(record).sort((a, b) => a - b);
const without = (all: number[], gone: number[]): number[] => all.filter((id) => !gone.includes(id));

describe("db-cleanup script against Django and SQLite", function () {
    // Each case starts two or three Python processes; a loaded machine can be slow.
    this.timeout(60000);

    let root: string;
    let template: string;
    let seeded: Seeded;

    // Derived from the seed, so every expectation below follows the fixture.
    let allSessions: number[];
    let liveSessions: number[];
    let staleSessions: number[];
    let allNotifications: number[];
    let readOld: number[];

    function pythonOptions(caseDir: string) {
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            // As in the job's pod: no bytecode written next to the code (here: into the repo).
            PYTHONDONTWRITEBYTECODE: "1",
            PYTHONUNBUFFERED: "1",
            BOOKWYRM_TEST_DB: path.join(caseDir, "db.sqlite3"),
            BOOKWYRM_TEST_CACHE_DIR: path.join(caseDir, "cache"),
        };
        delete env.DJANGO_SETTINGS_MODULE;
        delete env.PYTHONPATH;
        delete env.PYTHONHOME;
        return { cwd: FIXTURE, env, encoding: "utf8" as const, timeout: 60000 };
    }

    function fixture(caseDir: string, ...args: string[]): string {
        const result = spawnSync(PYTHON, ["cleanup_fixture.py", ...args], pythonOptions(caseDir));
        assert.equal(
            result.status,
            0,
            `cleanup_fixture.py ${args.join(" ")} failed:\n${result.stderr}`,
        );
        return result.stdout;
    }

    function dump(caseDir: string): Dump {
        return JSON.parse(fixture(caseDir, "dump")) as Dump;
    }

    /** The session store's files (one per session) and their contents. */
    function storeFiles(caseDir: string): Record<string, string> {
        const dir = path.join(caseDir, "cache");
        return Object.fromEntries(
            fs
                .readdirSync(dir)
                .map((name) => [name, fs.readFileSync(path.join(dir, name), "base64")]),
        );
    }

    /** The cleanup only reads the session store: nobody is logged out. */
    function assertStoreUntouched(caseDir: string): void {
        assert.deepEqual(
            storeFiles(caseDir),
            storeFiles(template),
            "the session store is unchanged",
        );
    }

    /** A fresh copy of the seeded database and session store. */
    function freshCase(): string {
        const caseDir = fs.mkdtempSync(path.join(root, "case-"));
        fs.copyFileSync(path.join(template, "db.sqlite3"), path.join(caseDir, "db.sqlite3"));
        fs.cpSync(path.join(template, "cache"), path.join(caseDir, "cache"), { recursive: true });
        return caseDir;
    }

    /** Runs the job's container command with the job's cleanup variables for `cleanup`. */
    function runCleanup(caseDir: string, cleanup: Partial<CleanupSettings>): Run {
        const settings = settingsWith({ cleanup });
        const spec = buildCronJob(settings, "dbCleanup").spec as unknown as PlainCronJobSpec;
        const container = spec.jobTemplate.spec.template.spec.containers[0];
        const [program, ...args] = container.command;
        assert.equal(program, "python");
        assert.equal(
            args[args.length - 1],
            TASK_SCRIPTS.dbCleanup,
            "the container runs the dbCleanup script",
        );

        const variables = cleanupEnvironment(settings.cleanup);
        for (const [name, value] of Object.entries(variables)) {
            assert.ok(
                (container.env ?? []).some((e) => e.name === name && e.value === value),
                `the CronJob sets ${name}=${value} as cleanupEnvironment does`,
            );
        }

        const options = pythonOptions(caseDir);
        const result = spawnSync(PYTHON, args, {
            ...options,
            env: { ...options.env, ...variables },
        });
        if (result.error) throw result.error;
        const lines = result.stdout
            .split("\n")
            .filter(
                (line) => line.trim() !== "" && !/^\d+ objects? imported automatically/.test(line),
            );
        return { status: result.status, stdout: result.stdout, stderr: result.stderr, lines };
    }

    function assertSucceeded(run: Run): void {
        assert.equal(run.status, 0, `the script failed:\n${run.stdout}\n${run.stderr}`);
    }

    const linksOf = (notifications: number[]) =>
        seeded.links.filter(([n]) => notifications.includes(n));

    before(function () {
        if (!fs.existsSync(PYTHON)) {
            assert.fail(
                `no Python virtualenv with Django at ${VENV}: run ${INSTALL_SCRIPT} (or set BOOKWYRM_TEST_VENV)`,
            );
        }
        root = fs.mkdtempSync(path.join(os.tmpdir(), "bookwyrm-db-cleanup-"));
        template = path.join(root, "template");
        fs.mkdirSync(template);
        seeded = JSON.parse(fixture(template, "create")) as Seeded;

        const s = seeded.sessions;
        const n = seeded.notifications;
        allSessions = ids(s);
        liveSessions = [s.live_alice, s.live_bob].sort((a, b) => a - b);
        staleSessions = without(allSessions, liveSessions);
        allNotifications = ids(n);
        readOld = [n.read_old_91d, n.read_old_200d, n.read_old_400d].sort((a, b) => a - b);

        // The seed itself, so the cases below start from what they claim to.
        assert.equal(Object.keys(storeFiles(template)).length, liveSessions.length);
        assert.deepEqual(
            seeded.sessionsInStore,
            liveSessions,
            "only the live sessions are in the store",
        );
        const start = dump(template);
        assert.deepEqual(start.sessions, allSessions);
        assert.deepEqual(start.notifications, allNotifications);
        assert.deepEqual(start.links, seeded.links);
        assert.ok(
            seeded.links.some(([id]) => readOld.includes(id)),
            "old read notifications have related users",
        );
    });

    after(function () {
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("dry run: deletes nothing and prints what it would delete", function () {
        const caseDir = freshCase();
        const run = runCleanup(caseDir, { dryRun: true });
        assertSucceeded(run);
        assert.deepEqual(run.lines, [
            "bookwyrm db cleanup: dry run, nothing deleted",
            `user sessions: ${staleSessions.length} stale rows would be deleted`,
            `notifications: ${readOld.length} read rows older than 90 days would be deleted`,
        ]);
        const after = dump(caseDir);
        assert.deepEqual(after.sessions, allSessions);
        assert.deepEqual(after.notifications, allNotifications);
        assert.deepEqual(after.links, seeded.links);
        assertStoreUntouched(caseDir);
    });

    it("deletes the stale sessions and the read notifications past retention, nothing else", function () {
        const caseDir = freshCase();
        const run = runCleanup(caseDir, {});
        assertSucceeded(run);
        assert.deepEqual(run.lines, [
            "bookwyrm db cleanup: deleting",
            `user sessions: deleted ${staleSessions.length} stale rows`,
            `notifications: deleted ${readOld.length} read rows older than 90 days`,
        ]);
        const after = dump(caseDir);
        assert.deepEqual(after.users, ids(seeded.users), "no user is deleted");
        assert.deepEqual(
            after.sessions,
            liveSessions,
            "only the sessions still in the store are kept",
        );
        assertStoreUntouched(caseDir);
        // Kept: read 89 and 0 days ago, unread 400, 91 and 0 days ago.
        const kept = without(allNotifications, readOld);
        assert.deepEqual(after.notifications, kept);
        assert.deepEqual(
            after.links,
            linksOf(kept),
            "the deleted notifications' related_users rows go with them",
        );
    });

    it("a shorter retention moves the cutoff", function () {
        const caseDir = freshCase();
        const run = runCleanup(caseDir, { notificationRetentionDays: 30 });
        assertSucceeded(run);
        const gone = [...readOld, seeded.notifications.read_recent_89d];
        assert.equal(
            run.lines[2],
            `notifications: deleted ${gone.length} read rows older than 30 days`,
        );
        const after = dump(caseDir);
        assert.deepEqual(after.notifications, without(allNotifications, gone));
        assert.deepEqual(after.links, linksOf(without(allNotifications, gone)));
    });

    it("retention 0 leaves notifications alone", function () {
        const caseDir = freshCase();
        const run = runCleanup(caseDir, { notificationRetentionDays: 0 });
        assertSucceeded(run);
        assert.deepEqual(run.lines, [
            "bookwyrm db cleanup: deleting",
            `user sessions: deleted ${staleSessions.length} stale rows`,
            "notifications: skipped (cleanup.notificationRetentionDays is 0)",
        ]);
        const after = dump(caseDir);
        assert.deepEqual(after.notifications, allNotifications);
        assert.deepEqual(after.links, seeded.links);
        assert.deepEqual(after.sessions, liveSessions);
    });

    it("sessions: false leaves UserSession alone", function () {
        const caseDir = freshCase();
        const run = runCleanup(caseDir, { sessions: false });
        assertSucceeded(run);
        assert.deepEqual(run.lines, [
            "bookwyrm db cleanup: deleting",
            "user sessions: skipped (cleanup.sessions is false)",
            `notifications: deleted ${readOld.length} read rows older than 90 days`,
        ]);
        const after = dump(caseDir);
        assert.deepEqual(after.sessions, allSessions);
        assert.deepEqual(after.notifications, without(allNotifications, readOld));
    });

    it("a batch size below the row count still deletes every row, and counts them all", function () {
        assert.ok(
            staleSessions.length > 2 && readOld.length > 2,
            "the seed has more rows than one batch",
        );
        const caseDir = freshCase();
        const run = runCleanup(caseDir, { batchSize: 2 });
        assertSucceeded(run);
        assert.deepEqual(run.lines, [
            "bookwyrm db cleanup: deleting",
            `user sessions: deleted ${staleSessions.length} stale rows`,
            `notifications: deleted ${readOld.length} read rows older than 90 days`,
        ]);
        const after = dump(caseDir);
        assert.deepEqual(after.sessions, liveSessions);
        assert.deepEqual(after.notifications, without(allNotifications, readOld));
        assert.deepEqual(after.links, linksOf(without(allNotifications, readOld)));
        assertStoreUntouched(caseDir);
    });

    // A case whose database lacks `table`: the cleanup must exit non-zero, naming it.
    function runWithoutTable(table: string) {
        const caseDir = freshCase();
        fixture(caseDir, "drop-table", table);
        const run = runCleanup(caseDir, {});
        assert.notEqual(
            run.status,
            0,
            `expected a non-zero exit, got ${run.status}:\n${run.stdout}`,
        );
        assert.match(run.stderr, new RegExp(`no such table: ${table}`));
        return { caseDir, run };
    }

    it("fails the Job (non-zero exit) when the UserSession table is missing", function () {
        const { caseDir, run } = runWithoutTable("bookwyrm_usersession");
        assert.deepEqual(run.lines, ["bookwyrm db cleanup: deleting"]);
        assert.deepEqual(
            dump(caseDir).notifications,
            allNotifications,
            "it stops before the notifications",
        );

        // sessions: false is the way to run on a BookWyrm without that table: no query touches it.
        const withoutSessions = runCleanup(caseDir, { sessions: false });
        assertSucceeded(withoutSessions);
        assert.deepEqual(dump(caseDir).notifications, without(allNotifications, readOld));
    });

    it("fails the Job (non-zero exit) when the notification table is missing, after the sessions part", function () {
        const { caseDir, run } = runWithoutTable("bookwyrm_notification");
        assert.deepEqual(run.lines, [
            "bookwyrm db cleanup: deleting",
            `user sessions: deleted ${staleSessions.length} stale rows`,
        ]);
        assert.deepEqual(dump(caseDir).sessions, liveSessions);
    });
});
