"""Small helpers the pages share: names from the vocabulary, level titles, outcome summaries."""
from __future__ import annotations

from checker.assessment import OUTCOMES, SATISFIED
from checker.criteria import CriteriaError, Vocabulary, load_set, load_vocabulary
from api.web import charts
from api.web.i18n import Translator


def vocabulary() -> Vocabulary:
    return load_vocabulary()


def product_type_title(type_id: str, t: Translator) -> str:
    try:
        return t.pick(vocabulary().term("product_types", type_id)["title"])
    except KeyError:
        return type_id


def level_title(version: str, level_id: str | None, t: Translator) -> str:
    """The level's title in the criteria version that defined it (its id if unknown)."""
    if not level_id:
        return t("level.none")
    try:
        levels = load_set(version).levels
    except CriteriaError:
        return level_id
    return next((t.pick(level["title"]) for level in levels if level["id"] == level_id), level_id)


def outcome_names(t: Translator) -> dict[str, str]:
    return {o: t(f"outcome.{o}") for o in OUTCOMES}


def group_summary(evaluation: dict) -> list[tuple[dict, dict[str, int]]]:
    """Outcome counts per requirement group, over the criteria that apply to the product type."""
    cset = load_set(evaluation["criteria_version"])
    product_type = evaluation["product_type"]
    rows = []
    for group in vocabulary().groups:
        counts = {o: 0 for o in OUTCOMES}
        for result in evaluation["results"]:
            criterion = cset.criteria.get(result["criterion_id"])
            if result["group"] == group["id"] and criterion is not None and criterion.applies(product_type):
                counts[result["outcome"]] += 1
        if any(counts.values()):
            rows.append((group, counts))
    return rows


def level_progress(evaluation: dict) -> list[tuple[dict, int, int]]:
    """For each level of the version: (level, criteria satisfied, criteria it requires)."""
    cset = load_set(evaluation["criteria_version"])
    product_type = evaluation["product_type"]
    rows = []
    for level in cset.levels:
        needed = [r for r in evaluation["results"] if r["obligation"] in level["requires"]
                  and r["criterion_id"] in cset.criteria and cset.criteria[r["criterion_id"]].applies(product_type)]
        rows.append((level, sum(r["outcome"] in SATISFIED for r in needed), len(needed)))
    return rows


def summary_chart(summary: list[tuple[dict, dict[str, int]]], t: Translator):
    return charts.stacked([(t.pick(group["title"]), counts) for group, counts in summary], outcome_names(t),
                          t("summary.chart"))


def level_chart(levels: list[tuple[dict, int, int]], t: Translator):
    rows = [(t.pick(level["title"]), done / needed if needed else 1.0,
             t("sub.satisfied", done=t.number(done), total=t.number(needed))) for level, done, needed in levels]
    return charts.bars(rows, t("sub.level_progress"))
