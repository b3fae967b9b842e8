"""The public registry's reads: search of certified products, a product, a certificate and the badge's few fields,
all from the read model and search index that triggers keep in step (migration 0006), never from a table scan.

Expiry is by date: the read model keeps end dates, and every read compares them with the time now.
Typo tolerance, when a query finds nothing: on SQLite each unknown word is replaced by the most frequent indexed
term one edit away (the FTS5 vocabulary); on PostgreSQL pg_trgm's word similarity finds the products, and the
words of the best one give the suggestion. Either way the answer says which query it answered (`suggestion`).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import threading
import weakref
from array import array
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import compress
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.models import RegistryCertificate, RegistryProduct, UTCDateTime, effective_status
from api.core.search import edits1, fts5_query, terms, tsquery
from checker.criteria import list_versions, load_set, load_vocabulary

P = RegistryProduct.__table__
C = RegistryCertificate.__table__
SEARCH = sa.table("product_search", sa.column("rowid", sa.Integer))
VOCABULARY = sa.table("product_search_terms", sa.column("term", sa.String), sa.column("doc", sa.Integer))
PRODUCT_COLUMNS = (P.c.product_id, P.c.name, P.c.vendor, P.c.product_type, P.c.url, P.c.platforms)
CERTIFICATE_COLUMNS = (C.c.id, C.c.level, C.c.criteria_version, C.c.status, C.c.issued_at, C.c.valid_until, C.c.note)
STATUSES = ("valid", "suspended", "revoked", "expired")
NOW = sa.bindparam("now", type_=UTCDateTime())
TRIGRAM_LIMIT = 1000  # products a typo-tolerant (trigram) search considers at most


@dataclass
class Page:
    items: list[dict[str, Any]]  # PublicListing fields
    total: int
    suggestion: str | None  # the corrected query the items answer, when the query as typed found nothing


TYPES = tuple(load_vocabulary().ids("product_types"))  # the product types, by their index in a Ranking's keys
NO_TYPE = 255  # the type index of a product of no type in TYPES


@dataclass(frozen=True)
class Ranking:
    """Every product a search finds, best first (its pages are slices), and the corrected query it answers.

    Each product is one integer, its id times 256 plus the index of its product type in TYPES, so that the same query
    narrowed to one type is a filter of this ranking, in the same order, without a read (`narrowed`)."""

    keys: array  # typecode "q": product id << 8 | type index
    suggestion: str | None

    @property
    def total(self) -> int:
        return len(self.keys)

    def ids(self, start: int, stop: int) -> list[int]:
        """The product ids from position `start` to `stop` (a page)."""
        return [key >> 8 for key in self.keys[start:stop]]

    def narrowed(self, product_type: str) -> Ranking | None:
        """This ranking's products of `product_type`, in its order: the ranking of the same words, status, level and
        sort with that type, as `_ranking` would read it, when this one answers the words as typed (no suggestion) and
        some product is of that type; otherwise None (then the narrower query must be read: with no product of the
        type among the phrase's, the words in any order may still find some)."""
        if self.suggestion is not None or product_type not in TYPES:
            return None
        code = TYPES.index(product_type)
        keys = array("q", compress(self.keys, map(code.__eq__, map((0xFF).__and__, self.keys))))
        return Ranking(keys, None) if keys else None

    @property
    def nbytes(self) -> int:  # what keeping it costs (api.core.readcache weighs its entries by this)
        return len(self.keys) * self.keys.itemsize + 128


def _rank_key():
    """A ranked product as one integer (Ranking.keys), made by the database as it ranks."""
    code = sa.case({t: i for i, t in enumerate(TYPES)}, value=P.c.product_type, else_=NO_TYPE)
    return sa.cast(P.c.product_id, sa.BigInteger) * 256 + code


class Keeper(Protocol):
    """Where the registry keeps what it read for later reads: a query's ranking for its other pages, blocks of rows for
    lookups and pages (api.core.readcache.ReadCache.keeper; `KeepInDict` for one CSV export). Without one, every
    page ranks again and every lookup reads its row alone."""

    shared: bool  # what it keeps serves other requests too: then a search page reads whole blocks for them

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The value kept for `key`, else `load()`'s (which it may keep)."""
        ...

    def peek(self, key: Hashable) -> tuple[Any] | None:
        """(the value kept for `key`,), or None; nothing is loaded."""
        ...


class KeepNothing:
    shared = False

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        return load()

    def peek(self, key: Hashable) -> tuple[Any] | None:
        return None


class KeepInDict:
    """Keeps everything, for as long as it lives (one CSV export: its ranking once for all its pages)."""

    shared = False

    def __init__(self) -> None:
        self.kept: dict[Hashable, Any] = {}

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        if key not in self.kept:
            self.kept[key] = load()
        return self.kept[key]

    def peek(self, key: Hashable) -> tuple[Any] | None:
        return (self.kept[key],) if key in self.kept else None


# --- connections ---------------------------------------------------------------------------------------------

_read_engines: weakref.WeakKeyDictionary[sa.Engine, sa.Engine] = weakref.WeakKeyDictionary()
_read_engines_lock = threading.Lock()


def reads(engine: sa.Engine) -> sa.Engine:
    """The engine for the registry's reads from `engine`'s database. PostgreSQL: a pool of its own in autocommit
    without pre-ping, so a read is one round trip (no ping, no BEGIN, no ROLLBACK); each read is one statement,
    or a few whose snapshots may differ harmlessly. A connection the server dropped is retried once instead
    (`_retried`). SQLite: the engine itself (no round trips to save)."""
    if engine.dialect.name != "postgresql":
        return engine
    with _read_engines_lock:
        found = _read_engines.get(engine)
        if found is None:
            # Autocommit: no transaction is ever open, so nothing to roll back when a connection goes back either.
            found = sa.create_engine(
                engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, pool_reset_on_return=None
            )
            weakref.finalize(engine, found.dispose)
            _read_engines[engine] = found
        return found


def _retried(read):
    """Run `read` again, once, when it met a connection the database had closed (a restart, an idle timeout)."""

    @functools.wraps(read)
    def once_more(source, *args, **kwargs):
        try:
            return read(source, *args, **kwargs)
        except sa.exc.DBAPIError as exc:
            if not (exc.connection_invalidated and isinstance(source, sa.Engine)):
                raise
            return read(source, *args, **kwargs)

    return once_more


@contextmanager
def connected(source: Session | sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    """A connection from a request's session (its transaction), an engine (a short read of its own), or itself."""
    if isinstance(source, Session):
        yield source.connection()
    elif isinstance(source, sa.Engine):
        with reads(source).connect() as connection:
            yield connection
    else:
        yield source


# --- status --------------------------------------------------------------------------------------------------


def product_has(status: str):
    """Products that have a certificate whose current status (expiry by date included) is `status`."""
    if status == "valid":
        return P.c.valid_until_max >= NOW
    if status == "expired":
        return sa.or_(P.c.expired > 0, P.c.valid_until_min < NOW)
    return (P.c.suspended if status == "suspended" else P.c.revoked) > 0


def certificate_is(status: str):
    if status == "valid":
        return sa.and_(C.c.status == "valid", C.c.valid_until >= NOW)
    if status == "expired":
        return sa.or_(C.c.status == "expired", sa.and_(C.c.status == "valid", C.c.valid_until < NOW))
    return C.c.status == status


def _product(row) -> dict[str, Any]:
    # Field by field: the read model holds public fields only, and nothing else can slip in.
    return {
        "id": row.product_id,
        "name": row.name,
        "vendor": row.vendor,
        "product_type": row.product_type,
        "url": row.url,
        "platforms": json.loads(row.platforms),
    }


def _certificate(row, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "level": row.level,
        "criteria_version": row.criteria_version,
        "status": effective_status(row.status, row.valid_until, now),
        "issued_at": row.issued_at,
        "valid_until": row.valid_until,
        "note": row.note,
    }


@lru_cache(maxsize=16)
def _certificates_of(status: str, leveled: bool = False):
    # Built once per status (statements built per call cost more than the query).
    return (
        sa.select(C.c.product_id, *CERTIFICATE_COLUMNS)
        .where(
            C.c.product_id.in_(sa.bindparam("ids", expanding=True)),
            certificate_is(status),
            *([C.c.level == sa.bindparam("level")] if leveled else []),
        )
        .order_by(C.c.issued_at.desc(), C.c.id)
    )


def _with_certificates(
    connection: sa.Connection, products: Sequence[Any], status: str, now: datetime, level: str | None = None
) -> list[dict]:
    """Each product with its most recently issued certificate of that status (and level, when one is asked for;
    one indexed query per page)."""
    if not products:
        return []
    rows = connection.execute(
        _certificates_of(status, bool(level)),
        {"ids": [p.product_id for p in products], "now": now, **({"level": level} if level else {})},
    )
    best: dict[int, Any] = {}
    for row in rows:
        best.setdefault(row.product_id, row)
    return [
        {**_product(p), "certificate": _certificate(best[p.product_id], now)} for p in products if p.product_id in best
    ]


# --- search --------------------------------------------------------------------------------------------------

FACET_OF_STATUS = {"valid": "hasvalid", "suspended": "hassuspended", "revoked": "hasrevoked"}  # migration 0006


def _facets(status: str, product_type: str | None) -> list[str]:
    """The index's facet words that narrow a search to `status` and `product_type`. Not 'hasvalid': nearly every
    listed product has it, and intersecting with so long a list costs more than it saves (the read model's end
    dates decide validity anyway); expired is by date: no facet."""
    facets = [FACET_OF_STATUS[status]] if status in ("suspended", "revoked") else []
    return facets + ([f"type{product_type.replace('_', '')}"] if product_type else [])


LEVELS = tuple(sorted({lv["id"] for v in list_versions() for lv in load_set(v).levels}))  # every set's level ids
SORTS = ("relevance", "name", "newest")  # relevance: the ranking below (no query: by name); newest: certificate


def _filters(status: str, typed: bool, leveled: bool = False) -> list:
    """Products with a certificate of `status`, of the product type and (`leveled`) of that certificate's level:
    the level by one indexed lookup per candidate (public_certificates by product_id)."""
    level = (
        [
            sa.exists().where(
                C.c.product_id == P.c.product_id, C.c.level == sa.bindparam("level"), certificate_is(status)
            )
        ]
        if leveled
        else []
    )
    return [product_has(status)] + ([P.c.product_type == sa.bindparam("product_type")] if typed else []) + level


def _newest(status: str):
    """The issue date of the product's most recent certificate of `status` (indexed by product_id)."""
    return (
        sa.select(sa.func.max(C.c.issued_at))
        .where(C.c.product_id == P.c.product_id, certificate_is(status))
        .correlate(P)
        .scalar_subquery()
    )


def _order(sort: str, status: str, *ranked) -> list:
    if sort == "newest":
        return [_newest(status).desc(), P.c.name, P.c.product_id]
    return [*(ranked if sort == "relevance" else ()), P.c.name, P.c.product_id]


def _match_sqlite(param: str):
    return sa.select(SEARCH.c.rowid).where(sa.text(f"product_search MATCH :{param}"))


@lru_cache(maxsize=64)
def _statement_sqlite(status: str, typed: bool, leveled: bool = False, sort: str = "relevance"):
    """The products in the index's match (`q`, facets included) that pass the filters, ranked (Ranking.keys)."""
    tier = sa.case(
        (P.c.product_id.in_(_match_sqlite("q_name")), 0),
        (P.c.product_id.in_(_match_sqlite("q_name_vendor")), 1),
        else_=2,
    )
    return (
        sa.select(_rank_key())
        .where(P.c.product_id.in_(_match_sqlite("q")), *_filters(status, typed, leveled))
        .order_by(*_order(sort, status, tier))
    )


def _search_sqlite(connection, words, phrase, status, product_type, now, level=None, sort="relevance") -> array:
    query = fts5_query(words, "{name vendor description}", phrase)
    facets = _facets(status, product_type)
    if facets:
        query += " AND {facets} : (" + " AND ".join(f'"{f}"' for f in facets) + ")"
    params = {
        "now": now,
        "q": query,
        "q_name": fts5_query(words, "{name}", phrase),
        "q_name_vendor": fts5_query(words, "{name vendor}", phrase),
    }
    if product_type:
        params["product_type"] = product_type
    if level:
        params["level"] = level
    keys = connection.scalar(_concatenated(_statement_sqlite(status, bool(product_type), bool(level), sort)), params)
    return array("q", map(int, keys.split(","))) if keys else array("q")


@lru_cache(maxsize=64)
def _concatenated(statement):
    """`statement`'s keys as one text, in its order: one row, so that the whole ranking is made inside the database
    with the interpreter lock let go (a worker thread then costs the event loop nothing: api.routes.public), not
    taken back at every row. SQLite keeps a FROM subquery's ORDER BY under an aggregate other than count, min and
    max (select.c, where it omits ORDER BY clauses that do nothing), so group_concat follows it; the ranking tests
    would fail otherwise."""
    ranked = statement.subquery()
    return sa.select(sa.func.group_concat(ranked.c[0]))


def _tsquery(param: str):
    return sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), sa.bindparam(param, type_=sa.Text()))


@lru_cache(maxsize=64)
def _statement_postgresql(status: str, typed: bool, leveled: bool = False, sort: str = "relevance"):
    vector: sa.ColumnClause[Any] = sa.literal_column("public_products.search_vector")
    tier = sa.case((vector.op("@@")(_tsquery("q_name")), 0), (vector.op("@@")(_tsquery("q_name_vendor")), 1), else_=2)
    return (
        sa.select(_rank_key())
        .where(vector.op("@@")(_tsquery("q")), *_filters(status, typed, leveled))
        .order_by(*_order(sort, status, tier))
    )


def _search_postgresql(connection, words, phrase, status, product_type, now, level=None, sort="relevance") -> array:
    query = "(" + tsquery(words, "ABC", phrase) + ")"
    query += "".join(f" & '{f}':D" for f in _facets(status, product_type))
    params = {
        "now": now,
        "q": query,
        "q_name": tsquery(words, "A", phrase),
        "q_name_vendor": tsquery(words, "AB", phrase),
    }
    if product_type:
        params["product_type"] = product_type
    if level:
        params["level"] = level
    return array("q", connection.scalars(_statement_postgresql(status, bool(product_type), bool(level), sort), params))


CANDIDATES = 6  # the most frequent terms one edit away that a correction weighs for each unknown word


def _count_sqlite(connection, words: list[str], phrase: bool) -> int:
    return connection.scalar(
        sa.select(sa.func.count()).select_from(SEARCH).where(sa.text("product_search MATCH :q")),
        {"q": fts5_query(words, "{name vendor description}", phrase)},
    )


def _corrected_sqlite(connection, words: list[str]) -> list[str] | None:
    """Each word the index does not know (the last: as a prefix of none) replaced by a term one edit away: of the
    most frequent such terms, the one with which the query matches the most products (as a phrase first); None when
    nothing could be corrected."""
    known = set(connection.scalars(sa.select(VOCABULARY.c.term).where(VOCABULARY.c.term.in_(words[:-1]))))
    last = words[-1]
    if connection.scalar(
        sa.select(VOCABULARY.c.term).where(VOCABULARY.c.term >= last, VOCABULARY.c.term < last + "\U0010ffff").limit(1)
    ):
        known.add(last)
    if all(word in known for word in words):
        return None
    corrected = list(words)
    for i, word in enumerate(words):
        if word in known:
            continue
        candidates = connection.execute(
            sa.select(VOCABULARY.c.term)
            .where(VOCABULARY.c.term.in_(sorted(edits1(word))))
            .order_by(VOCABULARY.c.doc.desc(), VOCABULARY.c.term)
            .limit(CANDIDATES)
        ).all()
        if not candidates:
            return None
        rest = [w for w in words[i + 1 :] if w in known]  # later unknown words wait their turn

        def score(term: str, i: int = i, rest: list[str] = rest) -> tuple[int, int]:
            trial = [*corrected[:i], term, *rest]
            return _count_sqlite(connection, trial, True), _count_sqlite(connection, trial, False)

        corrected[i] = max((c.term for c in candidates), key=score)
    return corrected


def _all_known_postgresql(connection, words: list[str]) -> bool:
    """Whether each word (the last as a prefix) is in some product's name, vendor or description (GIN lookups)."""
    vector: sa.ColumnClause[Any] = sa.literal_column("public_products.search_vector")
    checks = [sa.exists().select_from(P).where(vector.op("@@")(_tsquery(f"w{i}"))) for i in range(len(words))]
    params = {f"w{i}": (f"'{w}':*ABC" if i == len(words) - 1 else f"'{w}':ABC") for i, w in enumerate(words)}
    return all(connection.execute(sa.select(*checks), params).first())


def _trigram_postgresql(connection, words, status, product_type, now, level=None, sort="relevance") -> Ranking:
    """Products whose folded name and vendor are like the query (pg_trgm word similarity, by its GIN index): at most
    TRIGRAM_LIMIT, the most similar; the suggestion from the most similar one."""
    folded: sa.ColumnClause[Any] = sa.literal_column("public_products.search_folded")
    similarity = sa.func.word_similarity(sa.bindparam("fq", type_=sa.Text()), folded)
    near = (
        sa.select(
            P.c.product_id, _rank_key().label("key"), P.c.name, folded.label("folded"), similarity.label("similarity")
        )
        .add_columns(_newest(status).label("newest"))
        .where(sa.bindparam("fq", type_=sa.Text()).op("<%")(folded), *_filters(status, bool(product_type), bool(level)))
        .order_by(similarity.desc(), P.c.name, P.c.product_id)
        .limit(TRIGRAM_LIMIT)
    )
    params = {
        "fq": " ".join(words),
        "now": now,
        **({"product_type": product_type} if product_type else {}),
        **({"level": level} if level else {}),
    }
    rows = connection.execute(near, params).all()
    if not rows:
        return Ranking(array("q"), None)
    suggestion = _suggestion_from(rows, words)
    if sort == "name":
        rows = sorted(rows, key=lambda r: (r.name, r.product_id))
    elif sort == "newest":
        rows = sorted(rows, key=lambda r: (-r.newest.timestamp() if r.newest else 0.0, r.name, r.product_id))
    return Ranking(array("q", (r.key for r in rows)), suggestion)


def _suggestion_from(rows, words: list[str]) -> str | None:
    """The query with each word the best hit lacks replaced by that hit's closest word."""
    if not rows:
        return None
    vocabulary = terms(rows[0].folded)
    fixed = [
        w
        if any(v.startswith(w) for v in vocabulary)
        else (difflib.get_close_matches(w, vocabulary, n=1, cutoff=0.5) or [w])[0]
        for w in words
    ]
    return " ".join(fixed)


@lru_cache(maxsize=32)
def _listing(status: str, typed: bool, leveled: bool = False, sort: str = "name"):
    where = _filters(status, typed, leveled)
    return (
        sa.select(*PRODUCT_COLUMNS)
        .where(*where)
        .order_by(*_order(sort, status))
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset")),
        sa.select(sa.func.count()).select_from(P).where(*where),
    )


PAGE_ROWS = sa.select(*PRODUCT_COLUMNS).where(P.c.product_id.in_(sa.bindparam("ids", expanding=True)))


def _ranking(connection, words: list[str], status, product_type, now, level, sort) -> Ranking:
    """Every product the words find, best first: as a phrase; if nothing, in any order; if still nothing, with
    typos corrected (see the module's note)."""
    postgresql = connection.dialect.name == "postgresql"
    run = _search_postgresql if postgresql else _search_sqlite
    for phrase in (True, False):
        keys = run(connection, words, phrase, status, product_type, now, level, sort)
        if keys:
            return Ranking(keys, None)
    if postgresql:
        if _all_known_postgresql(connection, words):
            return Ranking(array("q"), None)  # every word is in the index, just not together: nothing to correct
        return _trigram_postgresql(connection, words, status, product_type, now, level, sort)
    corrected = _corrected_sqlite(connection, words) or []
    for phrase in (True, False) if corrected else ():
        keys = run(connection, corrected, phrase, status, product_type, now, level, sort)
        if keys:
            return Ranking(keys, " ".join(corrected))
    return Ranking(array("q"), None)


@_retried
def search(
    source,
    *,
    q: str | None,
    product_type: str | None,
    status: str,
    page: int,
    per_page: int,
    now: datetime,
    level: str | None = None,
    sort: str = "relevance",
    keep: Keeper | None = None,
) -> Page:
    """A page of the products with a certificate of `status` matching `q`, and the total.

    Matching, without diacritics or case, the last word as a prefix: the words as a phrase; if nothing matches,
    the words in any order; if still nothing, with typos corrected (see the module's note). Ranked: matches in
    the name, then in name and vendor, then anywhere (the description: product type and platforms); then by name.
    A query with no letters or digits matches nothing; no query lists every certified product by name.
    `level` keeps the products with a certificate of `status` at that level; `sort` is one of SORTS (name: by name;
    newest: the most recently issued certificate of `status` first).

    A query is ranked once, whole (`Ranking`: the ids of all its products, in order, from the index), and kept by
    `keep` for its other pages; a page is then a slice of it, its products taken from the blocks `keep` holds (valid
    certificates, any level) or read by primary key, so it costs the same on page 1 and page 500. The same query with
    a product type is, when `keep` holds the ranking without one, that ranking narrowed (`Ranking.narrowed`). The
    listing without a query pages by the name index instead."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    keep = keep or KeepNothing()
    params = {
        "now": now,
        **({"product_type": product_type} if product_type else {}),
        **({"level": level} if level else {}),
    }
    limit, offset = per_page, (page - 1) * per_page
    with connected(source) as connection:
        if q is None or not q.strip():  # the registry in name order: the page by the name index, the total by count
            listing, count = _listing(status, bool(product_type), bool(level), "newest" if sort == "newest" else "name")
            rows = connection.execute(listing, {**params, "limit": limit, "offset": offset}).all()
            total = keep.get(("count", status, product_type, level), lambda: connection.scalar(count, params))
            return Page(_with_certificates(connection, rows, status, now, level), total, None)
        words = terms(q)
        if not words:
            return Page([], 0, None)
        ranking = _kept_ranking(connection, words, status, product_type, now, level, sort, keep)
        ids = ranking.ids(offset, offset + limit)
        items = _page_items(connection, ids, status, now, level, keep) if ids else []
        return Page(items, ranking.total, ranking.suggestion)


def _kept_ranking(connection, words, status, product_type, now, level, sort, keep: Keeper) -> Ranking:
    """The ranking `keep` holds for the words, else read and kept: narrowed to a type, a filter of the same query's
    kept ranking without one when that gives the answer (Ranking.narrowed), else read from the index (`_ranking`)."""

    def ranked() -> Ranking:
        broad = keep.peek(("ranking", tuple(words), status, None, level, sort)) if product_type else None
        narrowed = broad[0].narrowed(product_type) if broad is not None else None
        return narrowed or _ranking(connection, words, status, product_type, now, level, sort)

    return keep.get(("ranking", tuple(words), status, product_type, level, sort), ranked)


@_retried
def rank(
    source,
    *,
    q: str | None,
    product_type: str | None,
    status: str,
    now: datetime,
    level: str | None = None,
    sort: str = "relevance",
    keep: Keeper,
) -> None:
    """Make sure `keep` holds the ranking `search` would page for these arguments (nothing for no query): a route
    calls this first, in a worker thread, so that the costly part of a search is read off the event loop; each of its
    statements returns one row or a few (see `_concatenated`)."""
    words = terms(q or "")
    if words:
        with connected(source) as connection:
            _kept_ranking(connection, words, status, product_type, now, level, sort, keep)


def _page_items(connection, ids: list[int], status: str, now: datetime, level: str | None, keep: Keeper) -> list[dict]:
    """The products of `ids`, in that order, each with its most recently issued certificate of `status` (and level):
    of valid certificates at any level, from the product blocks `keep` holds (what a block lacks has none now), the
    blocks it lacks read first, WARM_BLOCKS of them at most, in one query, and kept; the rest by one read by primary
    key. One removed since the ranking was made is left out."""
    found: dict[int, dict] = {}
    missing = ids
    if status == "valid" and level is None:
        missing = []
        for i in ids:
            block = keep.peek(("products", i // BLOCK))
            if block is None:
                missing.append(i)
            elif (row := block[0].by_key.get(i)) is not None:
                found[i] = {**_product(row), "certificate": _certificate(row, now)}
        if missing and keep.shared:  # the public cache
            wanted = list(dict.fromkeys(i // BLOCK for i in missing))[:WARM_BLOCKS]
            # Kept unless the registry changed since this keeper was made (api.core.readcache.Kept): then the rows
            # may be older than the change, and serve this page alone.
            blocks = {
                n: keep.get(("products", n), _returning(b)) for n, b in _product_blocks(connection, wanted, now).items()
            }
            for i in missing:
                if (block := blocks.get(i // BLOCK)) is not None and (row := block.by_key.get(i)) is not None:
                    found[i] = {**_product(row), "certificate": _certificate(row, now)}
            missing = [i for i in missing if i // BLOCK not in blocks]
    if missing:
        rows = connection.execute(PAGE_ROWS, {"ids": missing}).all()
        found.update((item["id"], item) for item in _with_certificates(connection, rows, status, now, level))
    return [found[i] for i in ids if i in found]


# --- lookups -------------------------------------------------------------------------------------------------


def normal_id(certificate_id: str) -> str:
    """A certificate number as issued (api.domain.certificates: "VCSC-2025-000123", upper case) from one as typed:
    "  vcsc-2025-000123 " finds it too."""
    return certificate_id.strip().upper()


PRODUCT_LOOKUP = (
    sa.select(*PRODUCT_COLUMNS, *CERTIFICATE_COLUMNS)
    .select_from(P.join(C, C.c.product_id == P.c.product_id))
    .where(P.c.product_id == sa.bindparam("product_id"), certificate_is("valid"))
    .order_by(C.c.issued_at.desc(), C.c.id)
    .limit(1)
)
CERTIFICATE_LOOKUP = (
    sa.select(*CERTIFICATE_COLUMNS, *PRODUCT_COLUMNS)
    .select_from(C.join(P, P.c.product_id == C.c.product_id))
    .where(C.c.id == sa.bindparam("certificate_id"))
)
BADGE = sa.select(C.c.criteria_version, C.c.level, C.c.status, C.c.valid_until, C.c.version).where(
    C.c.id == sa.bindparam("certificate_id")
)


# Blocks: a lookup the public cache misses reads the rows of its neighbours too, in one indexed read (products by a
# range of ids, certificates by the hundred numbers around theirs, which are issued in sequence), and the cache keeps
# them: a registry of N products is all in memory after N / BLOCK reads instead of N, however the lookups are spread.
BLOCK = 256  # product ids per block
CERTIFICATE_BLOCK_OF = re.compile(r"(VCSC-\d{4}-\d{4,})\d\d")  # numbers as issued; 100 per block
ROW_BYTES = 600  # about what a kept row costs

# A search page that misses its products' blocks reads this many of them (the rest by primary key): a registry of N
# products is in memory after about N / (BLOCK * WARM_BLOCKS) such pages, and one costs at most a few milliseconds.
WARM_BLOCKS = 4


@lru_cache(maxsize=WARM_BLOCKS)
def _blocks_statement(count: int):
    """The rows of `count` blocks (low0..high0, low1..high1, ...), each product's certificates newest first."""
    ranges = [P.c.product_id.between(sa.bindparam(f"low{k}"), sa.bindparam(f"high{k}")) for k in range(count)]
    return (
        sa.select(*PRODUCT_COLUMNS, *CERTIFICATE_COLUMNS)
        .select_from(P.join(C, C.c.product_id == P.c.product_id))
        .where(sa.or_(*ranges), certificate_is("valid"))
        .order_by(P.c.product_id, C.c.issued_at.desc(), C.c.id)
    )


CERTIFICATE_BLOCK = (
    sa.select(*CERTIFICATE_COLUMNS, C.c.version, *PRODUCT_COLUMNS)
    .select_from(C.join(P, P.c.product_id == C.c.product_id))
    .where(C.c.id.in_(sa.bindparam("ids", expanding=True)))  # the block's 100 numbers: no range, no collation
)


@dataclass(frozen=True)
class Rows:
    """A block's rows by key (a product id, a certificate number); a key missing from it has no row."""

    by_key: dict[Any, Any]

    @property
    def nbytes(self) -> int:
        return ROW_BYTES * len(self.by_key) + 200


@_retried
def _product_block(source, block: int, now: datetime) -> Rows:
    with connected(source) as connection:
        return _product_blocks(connection, [block], now)[block]


def _returning(value: Any) -> Callable[[], Any]:
    return lambda: value


def _product_blocks(connection, blocks: Sequence[int], now: datetime) -> dict[int, Rows]:
    """Product blocks by number, in one indexed read: each product with a valid certificate, and its most recently
    issued valid certificate."""
    params: dict[str, Any] = {"now": now}
    for k, block in enumerate(blocks):
        params[f"low{k}"], params[f"high{k}"] = block * BLOCK, block * BLOCK + BLOCK - 1
    best: dict[int, dict[int, Any]] = {block: {} for block in blocks}
    for row in connection.execute(_blocks_statement(len(blocks)), params):
        best[row.product_id // BLOCK].setdefault(row.product_id, row)  # its most recently issued valid certificate
    return {block: Rows(rows) for block, rows in best.items()}


@_retried
def _certificate_block(source, prefix: str) -> Rows:
    with connected(source) as connection:
        rows = connection.execute(CERTIFICATE_BLOCK, {"ids": [f"{prefix}{i:02d}" for i in range(100)]})
        return Rows({row.id: row for row in rows})


def _certificate_row(source, certificate_id: str, keep: Keeper | None):
    """The certificate's row (CERTIFICATE_BLOCK's columns) from its block, or None when it does not exist; `...`
    (Ellipsis) when it has no block (nothing keeps it, a number not as issued): read it alone then."""
    found = CERTIFICATE_BLOCK_OF.fullmatch(certificate_id)
    if keep is None or found is None:
        return ...
    return keep.get(("certificates", found[1]), lambda: _certificate_block(source, found[1])).by_key.get(certificate_id)


@_retried
def certified_product(source, product_id: int, now: datetime, keep: Keeper | None = None) -> dict[str, Any] | None:
    """A product with a currently valid certificate, and its most recently issued one: from its block when `keep`
    keeps blocks, else one indexed query."""
    if keep is not None:
        row = keep.get(
            ("products", product_id // BLOCK), lambda: _product_block(source, product_id // BLOCK, now)
        ).by_key.get(product_id)
    else:
        with connected(source) as connection:
            row = connection.execute(PRODUCT_LOOKUP, {"product_id": product_id, "now": now}).first()
    return None if row is None else {**_product(row), "certificate": _certificate(row, now)}


@_retried
def certificate(source, certificate_id: str, now: datetime, keep: Keeper | None = None) -> dict[str, Any] | None:
    """A certificate by its number, any status, with its product: from its block when `keep` keeps blocks, else one
    query by primary key. The number as typed, spaces around it and case aside (`normal_id`)."""
    certificate_id = normal_id(certificate_id)
    row = _certificate_row(source, certificate_id, keep)
    if row is ...:
        with connected(source) as connection:
            row = connection.execute(CERTIFICATE_LOOKUP, {"certificate_id": certificate_id}).first()
    return None if row is None else {**_certificate(row, now), "product": _product(row)}


@dataclass(frozen=True)
class BadgeFields:
    criteria_version: str
    level: str
    status: str  # the column: expiry by date is the reader's to apply
    valid_until: datetime
    version: int


@lru_cache(maxsize=4)
def _badge_sql(dialect: sa.Dialect) -> tuple[str, tuple[str, ...] | None]:
    compiled = BADGE.compile(dialect=dialect)
    positions = compiled.positiontup
    return str(compiled), tuple(positions) if positions is not None else None


def badge_fields(source, certificate_id: str, keep: Keeper | None = None) -> BadgeFields | None:
    """The badge's fields of a certificate, or None: from its block when `keep` keeps blocks (see BLOCK); else, from
    an engine, one primary-key read on a pooled DBAPI connection with the SQL compiled once (the badge and its 304 are
    the registry's hottest path)."""
    row = _certificate_row(source, certificate_id, keep)
    if row is not ...:
        return (
            None
            if row is None
            else BadgeFields(row.criteria_version, row.level, row.status, row.valid_until, row.version)
        )
    if not isinstance(source, sa.Engine):
        with connected(source) as connection:
            row = connection.execute(BADGE, {"certificate_id": certificate_id}).first()
        return None if row is None else BadgeFields(*row)
    engine = reads(source)
    sql, positions = _badge_sql(engine.dialect)
    params = {"certificate_id": certificate_id}
    for attempt in (1, 2):
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(sql, tuple(params[k] for k in positions) if positions is not None else params)
            row = cursor.fetchone()
            cursor.close()
            break
        except engine.dialect.loaded_dbapi.Error as exc:
            if attempt == 2 or not engine.dialect.is_disconnect(exc, raw.dbapi_connection, None):
                raise
            raw.invalidate(exc)  # the database closed it: once more, on a fresh connection
        finally:
            raw.close()
    if row is None:
        return None
    criteria_version, level, status, valid_until, version = row
    if isinstance(valid_until, str):  # SQLite keeps UTC datetimes as naive ISO text (api.core.models.UTCDateTime)
        valid_until = datetime.fromisoformat(valid_until).replace(tzinfo=UTC)
    return BadgeFields(criteria_version, level, status, valid_until, version)


@_retried
def next_status_change(source, now: datetime) -> datetime | None:
    """The next moment some certificate's status changes by date alone (a valid one reaching its end date), or None:
    until then, no answer of the registry changes without a write (api.core.readcache)."""
    with connected(source) as connection:
        return connection.execute(
            sa.select(sa.func.min(C.c.valid_until)).where(C.c.status == "valid", C.c.valid_until >= NOW), {"now": now}
        ).scalar()
