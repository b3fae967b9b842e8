"""Evidence files in an S3-compatible bucket (api/core/storage.py, VCSC_STORAGE_BACKEND=s3), against a real S3
protocol server on a loopback port (moto's server mode): the same content-addressed store as the folder, the same
SHA-256 check before a file is served, and an upload through the app that comes back byte for byte to its vendor
only, frozen once submitted. No network beyond 127.0.0.1, no AWS configuration: dummy credentials from the
environment, every other AWS_* variable cleared."""

from __future__ import annotations

import base64
import hashlib
import itertools
import sys
import warnings

import boto3
import pytest
from botocore.config import Config
from click.testing import CliRunner
from moto.server import ThreadedMotoServer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.cli.demo import sample_answers
from api.core.db import upgrade
from api.core.models import EvidenceFile
from api.core.settings import Settings
from api.core.storage import FileSystemStore, S3Store, StorageConfigError, make_store
from api.domain import evidence
from tests.api.conftest import VERSION, Api, World

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXT = "Báo cáo kiểm thử lọc nội dung: chặn 99,2% trang người lớn.\n".encode()
PREFIX = "vcsc/evidence/"
REGION = "ap-southeast-1"
_buckets = itertools.count(1)


@pytest.fixture(scope="module")
def s3_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def no_aws_config(monkeypatch, tmp_path):
    """As on a machine with no AWS set-up: only dummy keys in the environment (boto3's chain stops there)."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_CA_BUNDLE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "vcsc-test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "vcsc-test-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _client(s3_url: str):
    return boto3.session.Session().client(
        "s3", endpoint_url=s3_url, region_name=REGION, config=Config(s3={"addressing_style": "path"})
    )


@pytest.fixture
def bucket(s3_url) -> str:
    name = f"vcsc-test-{next(_buckets)}"
    _client(s3_url).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def _objects(s3_url: str, bucket: str) -> dict[str, bytes]:
    client = _client(s3_url)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


# --- the store: the same contract as the folder's -----------------------------------------------------------


@pytest.fixture(params=["folder", "s3"])
def store_and_names(request, tmp_path):
    """A store of each kind, and how to list what it holds: {name below its root or prefix: bytes}."""
    if request.param == "folder":
        root = tmp_path / "storage"
        store = make_store(Settings(storage_dir=root))
        assert isinstance(store, FileSystemStore)
        return (
            store,
            lambda: (
                {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
                if root.exists()
                else {}
            ),
        )
    s3_url, bucket = request.getfixturevalue("s3_url"), request.getfixturevalue("bucket")
    store = make_store(
        Settings(
            storage_backend="s3", s3_bucket=bucket, s3_endpoint_url=s3_url, s3_region=REGION, s3_prefix="vcsc/evidence"
        )
    )  # the trailing slash is added
    assert isinstance(store, S3Store)

    def names():
        found = _objects(s3_url, bucket)
        assert all(k.startswith(PREFIX) for k in found), found  # nothing outside the prefix
        return {k.removeprefix(PREFIX): v for k, v in found.items()}

    return store, names


def test_both_stores_keep_a_blob_under_its_sha256(store_and_names):
    store, names = store_and_names
    key = hashlib.sha256(PDF).hexdigest()
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.get(key)
    assert store.put(PDF) == key
    assert names() == {f"{key[:2]}/{key[2:4]}/{key}": PDF}  # the same layout in a folder and in a bucket
    assert store.exists(key) and store.get(key) == PDF
    assert store.put(PDF) == key and len(names()) == 1  # the same bytes again: the same one blob
    other = store.put(TEXT)
    assert other == hashlib.sha256(TEXT).hexdigest() and store.get(other) == TEXT
    store.delete(key)
    assert not store.exists(key) and store.exists(other)
    with pytest.raises(FileNotFoundError):
        store.get(key)
    store.delete(key)  # deleting what is gone is no error (the sweep may run twice)
    assert list(names()) == [f"{other[:2]}/{other[2:4]}/{other}"]


@pytest.mark.parametrize("bad", ["../" + "a" * 61, "A" * 64, "a" * 63, "", "a" * 64 + "/x"])
def test_both_stores_refuse_a_name_that_is_not_a_key(store_and_names, bad):
    store, names = store_and_names
    for operation in (store.get, store.exists, store.delete):
        with pytest.raises(ValueError, match="not a blob key"):
            operation(bad)
    assert names() == {}


def test_a_changed_blob_is_never_served_as_the_vendors_file(store_and_names):
    """The SHA-256 check before serving holds whichever store changed bytes come from."""
    store, _ = store_and_names
    key = store.put(PDF)
    row = EvidenceFile(id=7, storage_key=key, sha256=key)
    assert evidence.content(store, row) == PDF
    if isinstance(store, FileSystemStore):
        store.path(key).write_bytes(TEXT)
    else:
        store.client.put_object(Bucket=store.bucket, Key=store.name(key), Body=TEXT)
    with pytest.raises(RuntimeError, match="do not match its SHA-256"):
        evidence.content(store, row)


def test_each_put_carries_the_sha256_for_the_service_to_check(s3_url, bucket):
    store = S3Store(bucket, endpoint_url=s3_url, region=REGION)
    key = store.put(PDF)
    head = _client(s3_url).head_object(Bucket=bucket, Key=f"{key[:2]}/{key[2:4]}/{key}", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(PDF).digest()).decode()
    assert head["ContentLength"] == len(PDF)


# --- through the app ------------------------------------------------------------------------------------------


@pytest.fixture
def api_client(tmp_path, s3_url, bucket):
    """The app with VCSC_STORAGE_BACKEND=s3 (on SQLite): the conftest's `world` is built on this one."""
    url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    upgrade(url)
    app = create_app(
        Settings(
            database_url=url,
            jobs_worker=False,
            artifacts_dir=tmp_path / "artifacts",
            keys_dir=tmp_path / "keys",
            storage_dir=tmp_path / "storage",
            storage_backend="s3",
            s3_bucket=bucket,
            s3_endpoint_url=s3_url,
            s3_region=REGION,
            s3_prefix=PREFIX,
        )
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, app)
    app.state.engine.dispose()


def _draft(world: World, product, role: str) -> int:
    response = world.api.request(
        "POST",
        f"/products/{product.id}/submissions",
        role,
        json={"criteria_version": VERSION, "answers": sample_answers(VERSION, product.product_type)},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _upload(world: World, submission_id: int, data: bytes, name: str, role: str = "vendor_a"):
    return world.api.request(
        "POST",
        f"/submissions/{submission_id}/evidence-files",
        role,
        data={"criterion_id": "CF-01"},
        files={"file": (name, data, "application/pdf")},
    )


def test_an_upload_lives_in_the_bucket_and_comes_back_only_to_those_who_may_read_it(world, s3_url, bucket, tmp_path):
    submission_id = _draft(world, world.product_a, "vendor_a")
    response = _upload(world, submission_id, PDF, "Báo cáo kiểm thử.pdf")
    assert response.status_code == 201, response.text
    sha = response.json()["sha256"]
    assert sha == hashlib.sha256(PDF).hexdigest()
    assert _objects(s3_url, bucket) == {f"{PREFIX}{sha[:2]}/{sha[2:4]}/{sha}": PDF}
    assert not (tmp_path / "storage").exists()  # nothing went to the folder

    assert world.api.request("POST", f"/submissions/{submission_id}/submit", "vendor_a").status_code == 200
    assert _upload(world, submission_id, TEXT, "them.txt").status_code == 409  # frozen once submitted
    path = f"/submissions/{submission_id}/evidence-files/{response.json()['id']}"
    assert world.api.request("DELETE", path, "vendor_a").status_code == 409
    assert _objects(s3_url, bucket) == {f"{PREFIX}{sha[:2]}/{sha[2:4]}/{sha}": PDF}

    for role in ("vendor_a", "reviewer"):
        download = world.api.request("GET", path, role, follow_redirects=False)
        assert download.status_code == 200, (role, download.text)  # the bytes from the app, not a bucket URL
        assert download.content == PDF and hashlib.sha256(download.content).hexdigest() == sha
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["content-type"] == "application/pdf"
        assert s3_url.split("//")[1] not in download.text and "location" not in download.headers
    assert world.api.request("GET", path, "vendor_b").status_code == 404
    assert world.api.request("GET", path).status_code == 401
    listed = world.api.request("GET", f"/submissions/{submission_id}/evidence-files", "vendor_a").json()
    assert [(f["name"], f["sha256"]) for f in listed] == [("Báo cáo kiểm thử.pdf", sha)]


def test_a_file_removed_from_a_draft_leaves_the_bucket(world, s3_url, bucket):
    submission_id = _draft(world, world.product_b, "vendor_b")
    file_id = _upload(world, submission_id, TEXT, "ket-qua.txt", role="vendor_b").json()["id"]
    assert len(_objects(s3_url, bucket)) == 1
    response = world.api.request("DELETE", f"/submissions/{submission_id}/evidence-files/{file_id}", "vendor_b")
    assert response.status_code == 204, response.text
    assert _objects(s3_url, bucket) == {}  # swept after the commit, as in the folder


def test_a_blob_changed_in_the_bucket_is_refused_not_served(world, s3_url, bucket):
    submission_id = _draft(world, world.product_a, "vendor_a")
    body = _upload(world, submission_id, PDF, "bao-cao.pdf").json()
    _client(s3_url).put_object(
        Bucket=bucket,
        Key=f"{PREFIX}{body['sha256'][:2]}/{body['sha256'][2:4]}/{body['sha256']}",
        Body=b"%PDF-1.7 something else",
    )
    download = world.api.request("GET", f"/submissions/{submission_id}/evidence-files/{body['id']}", "vendor_a")
    assert download.status_code == 500 and b"something else" not in download.content
    assert download.headers["content-type"] == "application/problem+json"


# --- start-up -------------------------------------------------------------------------------------------------


def test_s3_without_a_bucket_stops_the_start_with_the_setting_named(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    with pytest.raises(StorageConfigError, match="VCSC_S3_BUCKET"):
        create_app(Settings(database_url=url, storage_backend="s3"))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VCSC_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("VCSC_S3_BUCKET", "")  # empty counts as unset
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 1, result.output
    assert "VCSC_STORAGE_BACKEND=s3 cần VCSC_S3_BUCKET" in result.output
    assert "needs VCSC_S3_BUCKET" in result.output
    monkeypatch.setenv("VCSC_STORAGE_BACKEND", "gcs")
    assert CliRunner().invoke(main, ["serve", "--port", "1"]).exit_code != 0  # not a back end


def test_s3_without_boto3_stops_the_start_and_the_folder_does_not_need_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)  # `import boto3` fails, as without the `s3` extra
    url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    with pytest.raises(StorageConfigError, match=r"VCSC_STORAGE_BACKEND=s3 needs the boto3 package.*\[s3\]"):
        create_app(Settings(database_url=url, storage_backend="s3", s3_bucket="vcsc-evidence"))
    app = create_app(Settings(database_url=url, storage_dir=tmp_path / "storage"))
    assert isinstance(app.state.storage, FileSystemStore)
    app.state.engine.dispose()


@pytest.mark.parametrize(
    "field, value",
    [("s3_bucket", "a/b"), ("s3_endpoint_url", "minio:9000"), ("s3_prefix", "../other"), ("s3_prefix", "/abs")],
)
def test_malformed_s3_settings_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        Settings(**{"storage_backend": "s3", "s3_bucket": "vcsc-evidence", field: value})
