"""`vcsc probe`, `vcsc corpus serve` and `vcsc fixtures serve`: probes from the command line."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from checker.corpus import CorpusListError, load_url_list
from checker.criteria import CriteriaError, list_versions, load_set
from checker.logs import configure, request_context
from checker.probes.manifest import ManifestError, read_manifest
from checker.settings import CheckerSettings
from reports.text import render_probe_run

AS_JSON = click.option("--json", "as_json", is_flag=True, help="In dữ liệu JSON / print JSON data")


def _fail(message: str) -> NoReturn:
    click.echo(f"vcsc: lỗi / error: {message}", err=True)
    sys.exit(2)


class _Progress:
    """One click progress bar per probe, fed by the runner's progress callback."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar: Any = None  # the click progress bar of the probe running
        self.probe: str | None = None
        self.done = 0

    def __call__(self, probe_id: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if probe_id != self.probe:
            self.close()
            self.probe, self.done = probe_id, 0
            self.bar = click.progressbar(length=max(total, 1), label=f"{probe_id:<22}", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        if self.bar is not None and done > self.done:
            self.bar.update(done - self.done)
            self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command()
@click.argument("manifest_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--only", multiple=True, help="Chỉ chạy probe này (lặp lại được) / run only this probe (repeatable)")
@click.option(
    "--criteria-version", default=None, help="Phiên bản bộ tiêu chí để đánh giá / criteria version to judge against"
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Thư mục lưu artifact và ảnh chụp / folder for artifacts and screenshots",
)
@click.option(
    "--replay",
    is_flag=True,
    help="Đánh giá lại artifact đã lưu trong --out, không cần trình duyệt / "
    "re-evaluate stored artifacts in --out, no browser",
)
@click.option(
    "--check",
    is_flag=True,
    help="Chỉ kiểm tra trước: manifest, trang bắt đầu, đăng nhập từng tài khoản; "
    "mã thoát 0 khi mọi bước đạt / pre-flight only: manifest, start page, each "
    "account's login; exit 0 when every step passes",
)
@AS_JSON
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def probe(
    manifest_file: Path,
    only: tuple[str, ...],
    criteria_version: str | None,
    out_dir: Path | None,
    replay: bool,
    check: bool,
    as_json: bool,
    lang: str,
) -> None:
    """Kiểm tra tự động một sản phẩm trong Chromium / probe a product in a real browser."""
    from checker.probes.registry import all_probes
    from checker.probes.runner import ProbeSettings, run_probes

    if check:
        _check(manifest_file, as_json, lang)
        return
    try:
        manifest = read_manifest(manifest_file)
    except ManifestError as exc:
        _fail(f"{manifest_file}#{exc}")
    _check_corpus_list(manifest)
    version = criteria_version or list_versions()[-1]
    try:
        load_set(version)
    except CriteriaError as exc:
        _fail(str(exc))
    unknown = sorted(set(only) - set(all_probes()))
    if unknown:
        _fail(f"không có probe / unknown probe: {', '.join(unknown)}; có / known: {', '.join(all_probes())}")
    done = None
    if replay:
        if out_dir is None:
            _fail("--replay cần --out DIR chứa artifact / --replay needs --out DIR with artifacts")
        done = {
            p: json.loads((out_dir / f"{p}.json").read_text(encoding="utf-8"))
            for p in (only or all_probes())
            if (out_dir / f"{p}.json").exists()
        }
        if not done:
            _fail(f"{out_dir}: không có artifact nào / no artifacts")
        only = tuple(done)
    settings = CheckerSettings()
    configure(settings)  # VCSC_LOG_FORMAT, VCSC_LOG_LEVEL; the lines of this run share one request id
    progress = _Progress(enabled=not as_json and sys.stderr.isatty())
    try:
        with request_context():
            result = asyncio.run(
                run_probes(
                    manifest,
                    criteria_version=version,
                    only=list(only) or None,
                    settings=ProbeSettings.from_settings(settings),
                    out_dir=out_dir,
                    progress=progress,
                    done=done,
                )
            )
    except KeyboardInterrupt:
        _fail("đã dừng / interrupted")
    except CorpusListError as exc:
        _fail(_corpus_list_error(manifest, exc))
    finally:
        progress.close()
    data = result.to_dict()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(render_probe_run(data, lang))


def _check(manifest_file: Path, as_json: bool, lang: str) -> None:
    """`vcsc probe --check`: the pre-flight report; exit 0 when all steps pass, 1 otherwise."""
    from checker.probes.preflight import preflight, render
    from checker.probes.runner import ProbeSettings

    try:
        data = json.loads(manifest_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"không tìm thấy tệp / file not found: {manifest_file}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"{manifest_file}: JSON không hợp lệ / invalid JSON: {exc}")
    try:
        report = asyncio.run(preflight(data, settings=ProbeSettings.from_env()))
    except KeyboardInterrupt:
        _fail("đã dừng / interrupted")
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render(report, lang))
    sys.exit(0 if report.ok else 1)


def _corpus_list_error(manifest, exc: CorpusListError) -> str:
    """One line: the list file (read relative to the manifest's folder), the line, what is wrong."""
    path = manifest.corpus_csv()
    return f"{path}:{exc.line}: {exc}" if exc.line is not None else f"corpus.csv: {exc}"


def _check_corpus_list(manifest) -> None:
    """A club URL list that cannot be read stops here, before a browser starts."""
    if manifest.corpus_csv() is None:
        return
    try:
        load_url_list(manifest.corpus_csv())
    except CorpusListError as exc:
        _fail(_corpus_list_error(manifest, exc))


@click.group()
def corpus() -> None:
    """Bộ trang thử lọc nội dung / the content-filtering test corpus."""


@corpus.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Địa chỉ lắng nghe (0.0.0.0 cho mọi giao diện) / address to listen on (0.0.0.0 for all interfaces)",
)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option(
    "--public-host",
    default=None,
    help="Tên hoặc địa chỉ mà proxy của sản phẩm dùng để tới máy này (vd. 192.168.1.20); mọi trang nằm trên "
    "tên đó / the name or address the product's proxy reaches this machine by (e.g. 192.168.1.20); "
    "every page is on it",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Ghi danh sách URL (kèm trang đối chứng) cho manifest corpus.csv / write the URL list (with the "
    "reachability controls) for a manifest's corpus.csv",
)
def corpus_serve(host: str, port: int, public_host: str | None, csv_path: Path | None) -> None:
    """Phục vụ bộ trang thử / serve the test corpus."""
    from checker.corpus import serve_forever

    try:
        serve_forever(host, port, public_host=public_host, csv_path=str(csv_path) if csv_path else None)
    except OSError as exc:
        _fail(f"không mở được cổng / cannot listen on {host}:{port}: {exc.strerror or exc}")


@click.group()
def fixtures() -> None:
    """Sản phẩm mẫu để thử probe / demo products to probe."""


@fixtures.command("serve")
@click.option(
    "--manifests",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/manifests"),
    show_default=True,
    help="Thư mục ghi manifest / folder to write the manifests to",
)
def fixtures_serve(manifests: Path) -> None:
    """Chạy SafeKid (tốt) và FunZone (cẩu thả) / run SafeKid (good) and FunZone (careless)."""
    import demo_products

    demo_products.serve_all(manifests)


PROBE_COMMANDS = [probe, corpus, fixtures]
