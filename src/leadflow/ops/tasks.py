from django_tasks import task

from leadflow.ops.services import database_optimize


@task(queue_name="default")
def database_optimize_task() -> str:
    return database_optimize()
