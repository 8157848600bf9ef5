"""Alembic environment: always run from finsight.tenancy.migrations on a caller's connection."""

from alembic import context

connection = context.config.attributes["connection"]
schema = context.config.attributes["schema"]

context.configure(
    connection=connection,
    target_metadata=None,
    version_table_schema=schema,
    transactional_ddl=True,
)

# The caller owns the transaction (provisioning is one transaction with the organization row).
with context.begin_transaction():
    context.run_migrations()
