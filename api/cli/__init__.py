"""The `vcsc` command line: criteria, offline assessment, and the service commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from checker.assessment import AssessmentError, answers_schema, assess_document
from checker.criteria import CriteriaError, diff_sets, freeze, frozen_violations, list_versions, load_set
from reports.text import render_criterion, render_diff, render_evaluation, render_set

LANG = click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default="vi",
    show_default=True,
    help="Ngôn ngữ hiển thị / display language",
)
AS_JSON = click.option("--json", "as_json", is_flag=True, help="In dữ liệu JSON / print JSON data")


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def fail(message: str, code: int = 2) -> None:
    """One-line error on stderr and a non-zero exit."""
    click.echo(f"vcsc: lỗi / error: {message}", err=True)
    sys.exit(code)


def _load(version: str):
    try:
        return load_set(version)
    except CriteriaError as exc:
        fail(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """VCSC — kiểm tra chứng nhận an toàn trẻ em trên môi trường mạng / child-safety certification checker."""


@main.group()
def criteria() -> None:
    """Bộ tiêu chí theo phiên bản / versioned criteria sets."""


@criteria.command("list")
@AS_JSON
@LANG
def criteria_list(as_json: bool, lang: str) -> None:
    """Liệt kê các phiên bản / list versions."""
    summaries = [_load(v).summary() for v in list_versions()]
    if as_json:
        return emit_json(summaries)
    for s in summaries:
        click.echo(
            f"{s['version']:<13} {s['status']:<10} {s['released'] or '-':<11} "
            f"{s['criteria_count']:>3} tiêu chí/criteria  {s['title'][lang]}"
        )


@criteria.command("show")
@click.argument("version")
@click.argument("criterion_id", required=False)
@AS_JSON
@LANG
def criteria_show(version: str, criterion_id: str | None, as_json: bool, lang: str) -> None:
    """Xem một phiên bản hoặc một tiêu chí / show a version or one criterion."""
    cset = _load(version)
    if criterion_id:
        if criterion_id not in cset.criteria:
            fail(f"không có tiêu chí '{criterion_id}' trong {version} / no criterion '{criterion_id}' in {version}")
        data = cset.criteria[criterion_id].data
        return emit_json(data) if as_json else click.echo(render_criterion(data, lang))
    data = cset.to_dict()
    return emit_json(data) if as_json else click.echo(render_set(data, lang))


@criteria.command("diff")
@click.argument("old")
@click.argument("new")
@AS_JSON
@LANG
def criteria_diff(old: str, new: str, as_json: bool, lang: str) -> None:
    """Những gì thay đổi giữa hai phiên bản / what changed between two versions."""
    diff = diff_sets(_load(old), _load(new))
    return emit_json(diff) if as_json else click.echo(render_diff(diff, lang))


@criteria.command("schema")
@click.argument("version")
@click.option("--product-type", "-t", required=True, help="Loại sản phẩm / product type, e.g. filtering_app")
def criteria_schema(version: str, product_type: str) -> None:
    """JSON Schema của bản tự đánh giá / JSON Schema of a self-assessment."""
    try:
        emit_json(answers_schema(_load(version), product_type))
    except CriteriaError as exc:
        fail(str(exc))


@criteria.command("check")
def criteria_check() -> None:
    """Kiểm tra mọi tệp và digest của phiên bản đã công bố / validate every file and frozen digests."""
    try:
        versions = list_versions()
        for v in versions:
            load_set(v)
        problems = frozen_violations()
    except CriteriaError as exc:
        fail(str(exc))
    if problems:
        fail("; ".join(problems))
    click.echo(f"OK: {len(versions)} phiên bản hợp lệ / versions valid")


@criteria.command("freeze")
@click.argument("version")
def criteria_freeze(version: str) -> None:
    """Ghi digest của một phiên bản đã công bố / record the digest of a published version."""
    try:
        click.echo(f"{version} {freeze(version)}")
    except CriteriaError as exc:
        fail(str(exc))


@main.command()
@click.argument("answers_file", type=click.Path(dir_okay=False, path_type=Path))
@AS_JSON
@LANG
def assess(answers_file: Path, as_json: bool, lang: str) -> None:
    """Đánh giá ngoại tuyến một tệp câu trả lời / evaluate an answers file offline."""
    try:
        doc = json.loads(answers_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{answers_file}: không tìm thấy tệp / file not found")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{answers_file}: JSON không hợp lệ / invalid JSON: {exc}")
    try:
        evaluation = assess_document(doc).to_dict()
    except AssessmentError as exc:
        more = len(exc.issues) - 1
        suffix = f" (+{more} lỗi khác / more errors; --json để xem hết / to see all)" if more and not as_json else ""
        if as_json:
            emit_json({"errors": [i.to_dict() for i in exc.issues]})
            sys.exit(2)
        fail(f"{answers_file}#{exc}{suffix}")
    return emit_json(evaluation) if as_json else click.echo(render_evaluation(evaluation, lang))


def _register_service_commands() -> None:
    from api.cli.cert import CERT_COMMANDS
    from api.cli.probe import PROBE_COMMANDS
    from api.cli.service import SERVICE_COMMANDS

    for command in SERVICE_COMMANDS + PROBE_COMMANDS + CERT_COMMANDS:
        main.add_command(command)


_register_service_commands()

if __name__ == "__main__":
    main()
