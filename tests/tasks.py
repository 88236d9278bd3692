"""Task settings for tests that run the background work inline, as the request finishes."""

from django.conf import settings

#: Every task runs at once, in the process that enqueues it, on any of the product's queues.
IMMEDIATE = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": list(settings.TASK_QUEUES),
    }
}
