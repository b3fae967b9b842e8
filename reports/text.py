"""Plain-text renderings of evaluations, criteria sets and diffs for the terminal (vi or en)."""

from __future__ import annotations

import json

from checker.glossary import words

OUTCOME_LABELS = words("outcome")

CHANGE_LABELS = {
    "added": {"vi": "Tiêu chí mới", "en": "Added"},
    "removed": {"vi": "Bị xoá", "en": "Removed"},
    "retired": {"vi": "Ngừng áp dụng", "en": "Retired"},
    "reinstated": {"vi": "Áp dụng lại", "en": "Reinstated"},
    "reworded": {"vi": "Đổi cách diễn đạt", "en": "Reworded"},
    "rule_changed": {"vi": "Đổi quy tắc đạt", "en": "Pass rule changed"},
    "threshold_changed": {"vi": "Đổi ngưỡng kiểm tra tự động", "en": "Probe threshold changed"},
    "obligation_changed": {"vi": "Đổi mức bắt buộc", "en": "Obligation changed"},
    "applicability_changed": {"vi": "Đổi phạm vi áp dụng", "en": "Applicability changed"},
    "group_changed": {"vi": "Đổi nhóm yêu cầu", "en": "Requirement group changed"},
    "evidence_changed": {"vi": "Đổi yêu cầu bằng chứng", "en": "Evidence requirement changed"},
}

WORDS = {
    "level": {"vi": "Mức đạt được", "en": "Level reached"},
    "none": {"vi": "chưa đạt mức nào", "en": "none"},
    "next": {"vi": "Để đạt mức", "en": "To reach"},
    "blocked_by": {"vi": "còn vướng", "en": "still blocked by"},
    "all_levels": {"vi": "Đã đạt mức cao nhất.", "en": "Highest level reached."},
    "no_changes": {"vi": "Không có thay đổi.", "en": "No changes."},
    "criteria": {"vi": "tiêu chí", "en": "criteria"},
    "retired": {"vi": "ngừng áp dụng", "en": "retired"},
}


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render_evaluation(evaluation: dict, lang: str = "vi") -> str:
    lines = [f"{evaluation['criteria_version']} — {evaluation['product_type']}"]
    width = max(len(r["criterion_id"]) for r in evaluation["results"]) if evaluation["results"] else 6
    for r in evaluation["results"]:
        label = OUTCOME_LABELS[r["outcome"]][lang]
        lines.append(
            f"  {r['criterion_id']:<{width}}  {r['obligation']:<6}  {label:<15}  {r['title'][lang]} — {r['reason'][lang]}"
        )
    counts = ", ".join(f"{OUTCOME_LABELS[k][lang]}: {v}" for k, v in evaluation["counts"].items())
    lines.append(f"  {counts}")
    level = evaluation["level"]["title"][lang] if evaluation["level"] else WORDS["none"][lang]
    lines.append(f"{WORDS['level'][lang]}: {level}")
    if evaluation["next_level"]:
        lines.append(
            f"{WORDS['next'][lang]} {evaluation['next_level']['title'][lang]}, {WORDS['blocked_by'][lang]}: "
            + ", ".join(evaluation["blockers"])
        )
    else:
        lines.append(WORDS["all_levels"][lang])
    return "\n".join(lines)


def render_diff(diff: dict, lang: str = "vi") -> str:
    lines = [f"{diff['from']} → {diff['to']}"]
    any_change = False
    for kind, items in diff["changes"].items():
        if not items:
            continue
        any_change = True
        lines.append(f"{CHANGE_LABELS[kind][lang]} ({len(items)}):")
        for item in items:
            title = item.get("title", {}).get(lang, "") if isinstance(item.get("title"), dict) else ""
            head = f"  {item['id']}" + (f"  {title}" if title else "")
            if kind == "retired":
                reason = (item.get("reason") or {}).get(lang, "")
                repl = ", ".join(item.get("replaced_by", []))
                head += f" — {reason}" + (f" → {repl}" if repl else "")
            elif kind == "added":
                head += f" [{item['obligation']}, {item['group']}]"
            elif kind == "reworded":
                head += f" ({', '.join(item['fields'])})"
                for f in item["fields"]:
                    before, after = item["before"][f], item["after"][f]
                    if isinstance(before, dict) and isinstance(after, dict) and before.get(lang) != after.get(lang):
                        lines.append(head)
                        head = ""
                        lines.append(f"      - {before.get(lang)}")
                        lines.append(f"      + {after.get(lang)}")
            elif kind == "threshold_changed":
                head += f" [{item['probe']}] {_compact(item['before'])} → {_compact(item['after'])}"
            elif kind == "rule_changed":
                head += f" [{item['field']}] {_compact(item['before'])} → {_compact(item['after'])}"
            elif kind in ("obligation_changed", "group_changed"):
                head += f" {item['before']} → {item['after']}"
            elif kind == "applicability_changed":
                head += f" +{item['added']} -{item['removed']}"
            if head:
                lines.append(head)
    if diff.get("levels_changed"):
        any_change = True
        lines.append("Mức chứng nhận thay đổi / Levels changed")
    if not any_change:
        lines.append(WORDS["no_changes"][lang])
    return "\n".join(lines)


def render_set(cset_dict: dict, lang: str = "vi") -> str:
    lines = [f"{cset_dict['version']}  {cset_dict['title'][lang]}  [{cset_dict['status']}]"]
    for c in cset_dict["criteria"]:
        mark = f" ({WORDS['retired'][lang]})" if c["status"] == "retired" else ""
        probes = ", ".join(p["id"] for p in c["probes"])
        lines.append(
            f"  {c['id']:<7} {c['obligation']:<6} {c['group']:<13} {c['title'][lang]}{mark}"
            + (f"  [{probes}]" if probes else "")
        )
    return "\n".join(lines)


def render_criterion(c: dict, lang: str = "vi") -> str:
    q = c["question"]
    lines = [
        f"{c['id']}  {c['title'][lang]}  [{c['obligation']}, {c['group']}, {c['status']}]",
        c["description"][lang],
        f"  {'Lý do' if lang == 'vi' else 'Rationale'}: {c['rationale'][lang]}",
        f"  {'Căn cứ' if lang == 'vi' else 'Basis'}: " + "; ".join(b["ref"] for b in c["basis"]),
        f"  {'Áp dụng cho' if lang == 'vi' else 'Applies to'}: " + ", ".join(c["applies_to"]),
        f"  {'Câu hỏi' if lang == 'vi' else 'Question'}: {q['text'][lang]}",
        f"  answer_schema: {_compact(q['answer_schema'])}",
        f"  pass_rule: {_compact(q['pass_rule'])}",
        f"  {'Bằng chứng' if lang == 'vi' else 'Evidence'}: "
        + (
            "bắt buộc"
            if lang == "vi" and q["evidence"]["required"]
            else "required"
            if q["evidence"]["required"]
            else "không bắt buộc"
            if lang == "vi"
            else "optional"
        )
        + f" ({', '.join(q['evidence']['kinds'])})",
        f"  N/A: {'được phép' if lang == 'vi' and q['na_allowed'] else 'allowed' if q['na_allowed'] else 'không' if lang == 'vi' else 'not allowed'}",
    ]
    for p in c["probes"]:
        lines.append(f"  probe {p['id']}: {_compact(p['threshold'])}")
    return "\n".join(lines)


def _evidence_lines(evidence: dict, limit: int = 4) -> list[str]:
    lines = []
    for key, value in evidence.items():
        if isinstance(value, list) and value:
            shown = [v if isinstance(v, str) else _compact(v) for v in value[:limit]]
            more = f" (+{len(value) - limit})" if len(value) > limit else ""
            lines.append(f"        {key}: " + "; ".join(shown) + more)
        elif isinstance(value, (str, int, float, bool)) and value not in ("", None):
            lines.append(f"        {key}: {value}")
    return lines


def render_probe_run(run: dict, lang: str = "vi") -> str:
    """Findings of a probe run, per probe and criterion, with measured values and evidence."""
    lines = [
        f"{run['manifest'].get('name') or run['manifest']['start_url']} — {run['criteria_version']}"
        + (f"  ({run['out_dir']})" if run.get("out_dir") else "")
    ]
    for probe in run["probes"]:
        m = probe["measurement"]
        lines.append(f"[{probe['probe_id']}] {m['explanation'][lang]}  ({probe['seconds']:.1f} s)")
        for f in probe["findings"]:
            label = OUTCOME_LABELS[f["outcome"]][lang]
            values = ", ".join(f"{k}={v}" for k, v in f["measurements"].items())
            lines.append(f"    {f['criterion_id']:<8} {label:<15} {values}")
            for failure in f.get("failures", [])[:3]:
                lines.append(f"        ✗ {failure}")
            if f["outcome"] == "failed":
                lines.extend(_evidence_lines(f["evidence"]))
    if run.get("browser_restarts"):
        lines.append(f"Trình duyệt đã khởi động lại / browser restarts: {run['browser_restarts']}")
    return "\n".join(lines)
