"""Background work: the Celery application, per-tenant queues, the beat schedule and tasks."""
