"""tenant schema: categories with the default tree

Revision ID: t0001
Revises:
Create Date: 2026-11-24

Runs as the tenant's role with search_path set to its schema: names are unqualified.
"""

import sqlalchemy as sa
from alembic import op

revision = "t0001"
down_revision = None
branch_labels = None
depends_on = None

# (name, kind, children)
DEFAULT_CATEGORIES: list[tuple[str, str, list[str]]] = [
    ("Income", "income", ["Salary", "Interest", "Refunds", "Other income"]),
    ("Housing", "expense", ["Rent", "Mortgage", "Home maintenance", "Home insurance"]),
    ("Groceries", "expense", []),
    ("Restaurants", "expense", ["Coffee shops", "Fast food", "Bars"]),
    ("Transport", "expense", ["Fuel", "Public transit", "Rideshare", "Parking", "Car maintenance"]),
    ("Utilities", "expense", ["Electricity", "Gas", "Water", "Internet", "Phone"]),
    ("Subscriptions", "expense", ["Streaming", "Software"]),
    ("Healthcare", "expense", ["Pharmacy", "Doctor", "Health insurance"]),
    ("Shopping", "expense", ["Clothing", "Electronics", "Household"]),
    ("Entertainment", "expense", []),
    ("Travel", "expense", ["Airfare", "Lodging"]),
    ("Education", "expense", []),
    ("Personal care", "expense", []),
    ("Gifts and donations", "expense", []),
    ("Taxes", "expense", []),
    ("Fees", "expense", ["Bank fees", "Interest charged"]),
    ("Transfers", "transfer", ["Credit card payment", "Account transfer"]),
]


def upgrade() -> None:
    op.execute("""
    CREATE TABLE categories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        parent_id uuid REFERENCES categories (id) ON DELETE RESTRICT,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
        kind text NOT NULL CHECK (kind IN ('income', 'expense', 'transfer')),
        is_system boolean NOT NULL DEFAULT false,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
    );
    CREATE UNIQUE INDEX uq_categories_parent_name ON categories (parent_id, lower(name))
        NULLS NOT DISTINCT WHERE deleted_at IS NULL;
    """)
    insert_top = sa.text(
        "INSERT INTO categories (name, kind, is_system) VALUES (:name, :kind, true)"
    )
    insert_child = sa.text(
        "INSERT INTO categories (parent_id, name, kind, is_system) "
        "SELECT id, :child, kind, true FROM categories WHERE parent_id IS NULL AND name = :name"
    )
    for name, kind, children in DEFAULT_CATEGORIES:
        op.execute(insert_top.bindparams(name=name, kind=kind))
        for child in children:
            op.execute(insert_child.bindparams(child=child, name=name))


def downgrade() -> None:
    op.execute("DROP TABLE categories")
