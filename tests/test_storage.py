"""The bucket API behaves the same over file:// and memory:// (s3:// in integration)."""

from __future__ import annotations

import pytest

from shopsight.storage import Bucket, StorageError


@pytest.fixture(params=["file", "memory"])
def any_bucket(request, tmp_path) -> Bucket:
    if request.param == "file":
        return Bucket(f"file://{tmp_path}/bucket")
    return Bucket(f"memory://storage-test-{tmp_path.name}")


def test_written_objects_are_listed_sorted_under_a_prefix(any_bucket: Bucket) -> None:
    any_bucket.write_bytes("landing/b/dt=2024-01-02/part-00000.csv", b"2\n")
    any_bucket.write_bytes("landing/a/dt=2024-01-01/part-00000.csv", b"1\n")
    any_bucket.write_bytes("other/x.txt", b"x")
    listed = any_bucket.list("landing/")
    assert [(o.key, o.size) for o in listed] == [
        ("landing/a/dt=2024-01-01/part-00000.csv", 2),
        ("landing/b/dt=2024-01-02/part-00000.csv", 2),
    ]
    assert any_bucket.read_bytes("other/x.txt") == b"x"


def test_overwrite_replaces_the_whole_object(any_bucket: Bucket) -> None:
    any_bucket.write_bytes("k.csv", b"old content\n")
    any_bucket.write_bytes("k.csv", b"new\n")
    assert any_bucket.read_bytes("k.csv") == b"new\n"
    assert [o.key for o in any_bucket.list()] == ["k.csv"]  # no temporary left behind


def test_missing_object_names_the_key(any_bucket: Bucket) -> None:
    with pytest.raises(StorageError, match="nosuch.csv: no such object"):
        any_bucket.read_bytes("nosuch.csv")


def test_empty_prefix_lists_nothing(any_bucket: Bucket) -> None:
    assert any_bucket.list("landing/") == [] and any_bucket.is_empty("landing/")
