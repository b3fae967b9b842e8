"""The content-filtering test corpus: built-in pages, their server, and the club's own URL lists."""
from checker.corpus.generate import (
    COUNTS, DEFAULT_DOMAIN, DEFAULT_SEED, build_controls, build_corpus, page_id_for, render, render_control,
)
from checker.corpus.lists import CorpusListError, load_url_list, sample, to_csv
from checker.corpus.model import (
    ADULT, CATEGORIES, CATEGORY_TITLES, CHILD_FRIENDLY, CONTROL, DATING, DRUGS, EDUCATION_VI, EXPECTED_BLOCKED, GAMBLING,
    HARMFUL, LANGUAGES, PROXY, RTA_BOTH, RTA_HEADER, RTA_LABEL, RTA_META, RTA_ONLY, SAFE, SELF_HARM, VIOLENCE,
    WEAPONS, CorpusPage, is_harmful,
)
from checker.corpus.resolve import is_localhost, resolve_host
from checker.corpus.server import CorpusServer, serve_forever

__all__ = [
    "ADULT", "CATEGORIES", "CATEGORY_TITLES", "CHILD_FRIENDLY", "CONTROL", "COUNTS", "DATING", "DEFAULT_DOMAIN", "DEFAULT_SEED",
    "DRUGS", "EDUCATION_VI", "EXPECTED_BLOCKED", "GAMBLING", "HARMFUL", "LANGUAGES", "PROXY", "RTA_BOTH",
    "RTA_HEADER", "RTA_LABEL", "RTA_META", "RTA_ONLY", "SAFE", "SELF_HARM", "VIOLENCE", "WEAPONS",
    "CorpusListError", "CorpusPage", "CorpusServer", "build_controls", "build_corpus", "is_harmful", "is_localhost",
    "load_url_list", "page_id_for", "render", "render_control", "resolve_host", "sample", "serve_forever", "to_csv",
]
