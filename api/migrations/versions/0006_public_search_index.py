"""The public registry's read model and search index, kept in step by triggers.

`public_products` (one row per product: what the public pages show, with its certificates' status in summary)
and `public_certificates` (one row per certificate: its public fields and a version counter) are written only by
triggers on organisations, products and certificates, in the transaction of each change, so that every write
path (the domain, the CLI, bulk inserts, a hand-made fix in psql) keeps them right.

The search index over the products' folded name (weight/tier 0), vendor (1) and description (2: product type
and platforms), with facet words (product type; has a valid, suspended, revoked certificate) for filtering:
- SQLite: `product_search`, an FTS5 table (unicode61 with remove_diacritics 2; đ/Đ, a letter of its own that
  unicode61 keeps, is replaced by d before indexing), rowid = product id, written by triggers on
  `public_products`; `product_search_terms`, an fts5vocab view of its terms, for typo correction.
- PostgreSQL: `public_products.search_vector` (tsvector 'simple' over lower(unaccent(...)), weights A/B/C, facets D, GIN)
  and `public_products.search_folded` (folded name and vendor, GIN gin_trgm_ops, for typo tolerance with
  pg_trgm), set by a BEFORE trigger on `public_products`. Needs the unaccent and pg_trgm extensions
  (postgresql-contrib; both are trusted extensions, so the database owner may create them).

SQLite drops a table's triggers when batch mode rebuilds it: a later migration that batch-alters organisations,
products or certificates must run `create_sqlite_triggers()` of this module again (tests/api/test_search_index.py
fails otherwise).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def _tables() -> None:
    op.create_table(
        "public_products",
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("vendor", sa.String(200), nullable=False),
        sa.Column("product_type", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("platforms", sa.Text(), nullable=False),
        sa.Column("valid_until_max", Timestamp, nullable=True),
        sa.Column("valid_until_min", Timestamp, nullable=True),
        sa.Column("suspended", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("revoked", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("expired", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_public_products")),
    )
    op.create_index(op.f("ix_public_products_organisation_id"), "public_products", ["organisation_id"])
    op.create_index(op.f("ix_public_products_valid_until_max"), "public_products", ["valid_until_max"])
    op.create_index("ix_public_products_name_product_id", "public_products", ["name", "product_id"])
    op.create_table(
        "public_certificates",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("criteria_version", sa.String(32), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_at", Timestamp, nullable=False),
        sa.Column("valid_until", Timestamp, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_certificates")),
    )
    op.create_index(op.f("ix_public_certificates_product_id"), "public_certificates", ["product_id"])


# --- SQLite ----------------------------------------------------------------------------------------


def _fold_sqlite(expr: str) -> str:
    return f"replace(replace({expr}, 'đ', 'd'), 'Đ', 'D')"


def _summary_sqlite(product_id: str) -> str:
    """Recompute one product's certificate summary (certificates are few per product, found by index)."""

    def agg(fn: str, status: str) -> str:
        return f"(SELECT {fn} FROM certificates WHERE product_id = {product_id} AND status = '{status}')"

    return (
        f"UPDATE public_products SET valid_until_max = {agg('max(valid_until)', 'valid')}, "
        f"valid_until_min = {agg('min(valid_until)', 'valid')}, suspended = {agg('count(*)', 'suspended')}, "
        f"revoked = {agg('count(*)', 'revoked')}, expired = {agg('count(*)', 'expired')} "
        f"WHERE product_id = {product_id};"
    )


# Facets: words no query can type (the query is limited to the other columns) that let the index itself narrow a
# search to a product type and to products with a certificate whose status column says valid, suspended or revoked,
# before anything is read from the table (expiry by date is checked on that smaller set).
FACETS = (
    "'type' || replace({p}product_type, '_', '')"
    " || CASE WHEN {p}valid_until_max IS NOT NULL THEN ' hasvalid' ELSE '' END"
    " || CASE WHEN {p}suspended > 0 THEN ' hassuspended' ELSE '' END"
    " || CASE WHEN {p}revoked > 0 THEN ' hasrevoked' ELSE '' END"
)
SEARCH_COLUMNS = ("name", "vendor", "product_type", "platforms", "valid_until_max", "suspended", "revoked")

SEARCH_ROW_SQLITE = (
    "INSERT INTO product_search(rowid, name, vendor, description, facets) VALUES (new.product_id, "
    f"{_fold_sqlite('new.name')}, {_fold_sqlite('new.vendor')}, "
    "replace(new.product_type, '_', ' ') || ' ' || new.platforms, "
    f"{FACETS.format(p='new.')});"
)

SQLITE_TRIGGERS = {
    "registry_product_inserted": """
        AFTER INSERT ON products BEGIN
            INSERT INTO public_products (product_id, organisation_id, name, vendor, product_type, url, platforms)
            VALUES (new.id, new.organisation_id, new.name,
                    (SELECT name FROM organisations WHERE id = new.organisation_id), new.product_type, new.url,
                    new.platforms);
        END""",
    "registry_product_updated": """
        AFTER UPDATE OF name, organisation_id, product_type, url, platforms ON products BEGIN
            UPDATE public_products SET organisation_id = new.organisation_id, name = new.name,
                vendor = (SELECT name FROM organisations WHERE id = new.organisation_id),
                product_type = new.product_type, url = new.url, platforms = new.platforms
            WHERE product_id = new.id;
        END""",
    "registry_product_deleted": """
        AFTER DELETE ON products BEGIN
            DELETE FROM public_products WHERE product_id = old.id;
            DELETE FROM public_certificates WHERE product_id = old.id;
        END""",
    "registry_organisation_renamed": """
        AFTER UPDATE OF name ON organisations BEGIN
            UPDATE public_products SET vendor = new.name WHERE organisation_id = new.id;
        END""",
    "registry_certificate_inserted": f"""
        AFTER INSERT ON certificates BEGIN
            INSERT INTO public_certificates (id, product_id, criteria_version, level, status, issued_at,
                                             valid_until, note, version)
            VALUES (new.id, new.product_id, new.criteria_version, new.level, new.status, new.issued_at,
                    new.valid_until, new.note, 1);
            {_summary_sqlite('new.product_id')}
        END""",
    "registry_certificate_updated": f"""
        AFTER UPDATE OF id, product_id, criteria_version, level, status, issued_at, valid_until, note
        ON certificates BEGIN
            UPDATE public_certificates SET id = new.id, product_id = new.product_id,
                criteria_version = new.criteria_version, level = new.level, status = new.status,
                issued_at = new.issued_at, valid_until = new.valid_until, note = new.note, version = version + 1
            WHERE id = old.id;
            {_summary_sqlite('old.product_id')}
            {_summary_sqlite('new.product_id')}
        END""",
    "registry_certificate_deleted": f"""
        AFTER DELETE ON certificates BEGIN
            DELETE FROM public_certificates WHERE id = old.id;
            {_summary_sqlite('old.product_id')}
        END""",
    # The read model feeds the search index.
    "registry_search_inserted": f"""
        AFTER INSERT ON public_products BEGIN
            {SEARCH_ROW_SQLITE}
        END""",
    "registry_search_updated": f"""
        AFTER UPDATE OF {", ".join(SEARCH_COLUMNS)} ON public_products
        WHEN {" OR ".join(f"old.{c} IS NOT new.{c}" for c in SEARCH_COLUMNS)} BEGIN
            DELETE FROM product_search WHERE rowid = old.product_id;
            {SEARCH_ROW_SQLITE}
        END""",
    "registry_search_deleted": """
        AFTER DELETE ON public_products BEGIN
            DELETE FROM product_search WHERE rowid = old.product_id;
        END""",
}


def create_sqlite_triggers() -> None:
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {body}")


def _upgrade_sqlite() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE product_search USING fts5(name, vendor, description, facets, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')"
    )  # the last word is a prefix
    op.execute("CREATE VIRTUAL TABLE product_search_terms USING fts5vocab(product_search, 'row')")
    create_sqlite_triggers()


# --- PostgreSQL ------------------------------------------------------------------------------------

PG_FUNCTIONS = {
    # Folded as api.core.search.fold does (unaccent maps đ to d; lower after, so the C locale is enough).
    "registry_fold(t text) RETURNS text": "SELECT lower(unaccent(coalesce(t, '')))",
}

PG_SUMMARY = """
    UPDATE public_products SET
        valid_until_max = (SELECT max(valid_until) FROM certificates WHERE product_id = pid AND status = 'valid'),
        valid_until_min = (SELECT min(valid_until) FROM certificates WHERE product_id = pid AND status = 'valid'),
        suspended = (SELECT count(*) FROM certificates WHERE product_id = pid AND status = 'suspended'),
        revoked = (SELECT count(*) FROM certificates WHERE product_id = pid AND status = 'revoked'),
        expired = (SELECT count(*) FROM certificates WHERE product_id = pid AND status = 'expired')
    WHERE product_id = pid;"""

PG_PLPGSQL = {
    "registry_summary(pid integer) RETURNS void": PG_SUMMARY,
    "registry_on_product() RETURNS trigger": """
        IF TG_OP = 'DELETE' THEN
            DELETE FROM public_products WHERE product_id = OLD.id;
            DELETE FROM public_certificates WHERE product_id = OLD.id;
            RETURN OLD;
        END IF;
        IF TG_OP = 'INSERT' THEN
            INSERT INTO public_products (product_id, organisation_id, name, vendor, product_type, url, platforms)
            SELECT NEW.id, NEW.organisation_id, NEW.name, o.name, NEW.product_type, NEW.url, NEW.platforms::text
            FROM organisations o WHERE o.id = NEW.organisation_id;
        ELSE
            UPDATE public_products SET organisation_id = NEW.organisation_id, name = NEW.name,
                vendor = (SELECT o.name FROM organisations o WHERE o.id = NEW.organisation_id),
                product_type = NEW.product_type, url = NEW.url, platforms = NEW.platforms::text
            WHERE product_id = NEW.id;
        END IF;
        RETURN NEW;""",
    "registry_on_organisation() RETURNS trigger": """
        UPDATE public_products SET vendor = NEW.name WHERE organisation_id = NEW.id;
        RETURN NEW;""",
    "registry_on_certificate() RETURNS trigger": """
        IF TG_OP = 'DELETE' THEN
            DELETE FROM public_certificates WHERE id = OLD.id;
            PERFORM registry_summary(OLD.product_id);
            RETURN OLD;
        END IF;
        IF TG_OP = 'INSERT' THEN
            INSERT INTO public_certificates (id, product_id, criteria_version, level, status, issued_at,
                                             valid_until, note, version)
            VALUES (NEW.id, NEW.product_id, NEW.criteria_version, NEW.level, NEW.status, NEW.issued_at,
                    NEW.valid_until, NEW.note, 1);
        ELSE
            UPDATE public_certificates SET id = NEW.id, product_id = NEW.product_id,
                criteria_version = NEW.criteria_version, level = NEW.level, status = NEW.status,
                issued_at = NEW.issued_at, valid_until = NEW.valid_until, note = NEW.note, version = version + 1
            WHERE id = OLD.id;
            IF OLD.product_id <> NEW.product_id THEN
                PERFORM registry_summary(OLD.product_id);
            END IF;
        END IF;
        PERFORM registry_summary(NEW.product_id);
        RETURN NEW;""",
    "registry_search_row() RETURNS trigger": """
        NEW.search_vector :=
            setweight(to_tsvector('simple', registry_fold(NEW.name)), 'A') ||
            setweight(to_tsvector('simple', registry_fold(NEW.vendor)), 'B') ||
            setweight(to_tsvector('simple', replace(NEW.product_type, '_', ' ') || ' ' || NEW.platforms), 'C') ||
            setweight(to_tsvector('simple', FACETS_NEW), 'D');
        NEW.search_folded := registry_fold(NEW.name) || ' ' || registry_fold(NEW.vendor);
        RETURN NEW;""",
}

PG_TRIGGERS = {
    "registry_product": "AFTER INSERT OR DELETE OR UPDATE OF name, organisation_id, product_type, url, platforms "
    "ON products FOR EACH ROW EXECUTE FUNCTION registry_on_product()",
    "registry_organisation": "AFTER UPDATE OF name ON organisations FOR EACH ROW "
    "EXECUTE FUNCTION registry_on_organisation()",
    "registry_certificate": "AFTER INSERT OR DELETE OR UPDATE OF id, product_id, criteria_version, level, status, "
    "issued_at, valid_until, note ON certificates FOR EACH ROW "
    "EXECUTE FUNCTION registry_on_certificate()",
    "registry_search": f"BEFORE INSERT OR UPDATE OF {', '.join(SEARCH_COLUMNS)} ON public_products "
    "FOR EACH ROW EXECUTE FUNCTION registry_search_row()",
}
PG_TRIGGER_TABLES = {
    "registry_product": "products",
    "registry_organisation": "organisations",
    "registry_certificate": "certificates",
    "registry_search": "public_products",
}


def _upgrade_postgresql() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.add_column("public_products", sa.Column("search_vector", sa.dialects.postgresql.TSVECTOR(), nullable=True))
    op.add_column("public_products", sa.Column("search_folded", sa.Text(), nullable=True))
    for signature, body in PG_FUNCTIONS.items():
        op.execute(f"CREATE OR REPLACE FUNCTION {signature} LANGUAGE sql STABLE AS $$ {body} $$")
    for signature, body in PG_PLPGSQL.items():
        body = body.replace("FACETS_NEW", FACETS.format(p="NEW."))
        op.execute(f"CREATE OR REPLACE FUNCTION {signature} LANGUAGE plpgsql AS $$ BEGIN {body} END $$")
    for name, body in PG_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("CREATE INDEX ix_public_products_search_vector ON public_products USING gin (search_vector)")
    op.execute(
        "CREATE INDEX ix_public_products_search_folded ON public_products USING gin (search_folded gin_trgm_ops)"
    )


# --- both ------------------------------------------------------------------------------------------

BACKFILL = [
    # Through the triggers on public_products, this also fills the search index.
    """INSERT INTO public_products (product_id, organisation_id, name, vendor, product_type, url, platforms)
       SELECT p.id, p.organisation_id, p.name, o.name, p.product_type, p.url, {platforms}
       FROM products p JOIN organisations o ON o.id = p.organisation_id""",
    """INSERT INTO public_certificates (id, product_id, criteria_version, level, status, issued_at, valid_until,
                                        note, version)
       SELECT id, product_id, criteria_version, level, status, issued_at, valid_until, note, 1 FROM certificates""",
    """UPDATE public_products SET
         valid_until_max = (SELECT max(c.valid_until) FROM certificates c
                            WHERE c.product_id = public_products.product_id AND c.status = 'valid'),
         valid_until_min = (SELECT min(c.valid_until) FROM certificates c
                            WHERE c.product_id = public_products.product_id AND c.status = 'valid'),
         suspended = (SELECT count(*) FROM certificates c
                      WHERE c.product_id = public_products.product_id AND c.status = 'suspended'),
         revoked = (SELECT count(*) FROM certificates c
                    WHERE c.product_id = public_products.product_id AND c.status = 'revoked'),
         expired = (SELECT count(*) FROM certificates c
                    WHERE c.product_id = public_products.product_id AND c.status = 'expired')""",
]


def upgrade() -> None:
    _tables()
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()
    for statement in BACKFILL:
        op.execute(statement.format(platforms="p.platforms::text" if dialect == "postgresql" else "p.platforms"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in PG_TRIGGER_TABLES.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for signature in (*PG_PLPGSQL, *PG_FUNCTIONS):
            op.execute(f"DROP FUNCTION IF EXISTS {signature.split(' RETURNS')[0]}")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS product_search_terms")
        op.execute("DROP TABLE IF EXISTS product_search")
    op.drop_table("public_certificates")
    op.drop_table("public_products")
