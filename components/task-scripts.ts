// The Python each job runs with `python manage.py shell -c`. The tasks are called as plain
// functions: a Celery task's __call__ runs in-process, so no broker or worker is involved, and
// an exception leaves manage.py with a traceback and a non-zero exit, which fails the Job.
//
// The scripts are constants. Their settings arrive as environment variables (see
// cleanupEnvironment), so no config value is ever spliced into code.

import { CleanupSettings, JobKey } from "../stacks/settings";

const AUTOMOD = `from bookwyrm.models.antispam import automod_task
automod_task()
print("automod_task finished")
`;

// check_for_updates_task exists since BookWyrm v0.7.3.
const UPDATE_CHECK = `from bookwyrm.models.site import check_for_updates_task, SiteSettings
check_for_updates_task()
print("check_for_updates_task finished: available_version=%s" % SiteSettings.get().available_version)
`;

// BookWyrm keeps sessions in its Redis cache, where Django's clearsessions does nothing, and
// never prunes its own UserSession table (rows outlive the sessions they describe). Read
// notifications pile up forever. This removes exactly those two things, in batches.
const DB_CLEANUP = `import os
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from bookwyrm.models import Notification

DRY_RUN = os.environ["CLEANUP_DRY_RUN"] == "true"
SESSIONS = os.environ["CLEANUP_SESSIONS"] == "true"
RETENTION_DAYS = int(os.environ["CLEANUP_NOTIFICATION_RETENTION_DAYS"])
BATCH = int(os.environ["CLEANUP_BATCH_SIZE"])
MODE = "dry run, nothing deleted" if DRY_RUN else "deleting"


def delete_in_batches(model, ids):
    """Delete rows of model by primary key, BATCH at a time; return how many rows were removed."""
    removed = 0
    for start in range(0, len(ids), BATCH):
        _, per_model = model.objects.filter(pk__in=ids[start:start + BATCH]).delete()
        removed += per_model.get(model._meta.label, 0)
    return removed


def stale_session_ids():
    """UserSession rows whose session key is gone from the session store."""
    from bookwyrm.models import UserSession

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    stale = []
    rows = UserSession.objects.order_by("pk").values_list("pk", "session_key")
    for pk, key in rows.iterator(chunk_size=BATCH):
        if not store.exists(key):
            stale.append(pk)
    return UserSession, stale


print("bookwyrm db cleanup: %s" % MODE)

if SESSIONS:
    model, ids = stale_session_ids()
    if DRY_RUN:
        print("user sessions: %d stale rows would be deleted" % len(ids))
    else:
        print("user sessions: deleted %d stale rows" % delete_in_batches(model, ids))
else:
    print("user sessions: skipped (cleanup.sessions is false)")

if RETENTION_DAYS > 0:
    cutoff = timezone.now() - timedelta(days=RETENTION_DAYS)
    # updated_date moves when a notification is re-sent, so recent activity is never removed.
    old = Notification.objects.filter(read=True, updated_date__lt=cutoff)
    ids = list(old.order_by("pk").values_list("pk", flat=True))
    if DRY_RUN:
        print("notifications: %d read rows older than %d days would be deleted" % (len(ids), RETENTION_DAYS))
    else:
        removed = delete_in_batches(Notification, ids)
        print("notifications: deleted %d read rows older than %d days" % (removed, RETENTION_DAYS))
else:
    print("notifications: skipped (cleanup.notificationRetentionDays is 0)")
`;

/** The Python source each job runs. */
export const TASK_SCRIPTS: Record<JobKey, string> = {
    automod: AUTOMOD,
    updateCheck: UPDATE_CHECK,
    dbCleanup: DB_CLEANUP,
};

/** The environment variables the cleanup script reads its settings from. */
export function cleanupEnvironment(cleanup: CleanupSettings): Record<string, string> {
    return {
        CLEANUP_DRY_RUN: String(cleanup.dryRun),
        CLEANUP_SESSIONS: String(cleanup.sessions),
        CLEANUP_NOTIFICATION_RETENTION_DAYS: String(cleanup.notificationRetentionDays),
        CLEANUP_BATCH_SIZE: String(cleanup.batchSize),
    };
}
