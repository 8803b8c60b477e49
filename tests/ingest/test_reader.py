"""Reading landed bytes into numbered lines."""

from __future__ import annotations

import gzip

import pytest

from shopsight.ingest.reader import FileRejected, decompress, split_lines


def test_lines_are_numbered_and_final_newline_ends_the_last() -> None:
    table = split_lines(b"a,b\r\nc,d\n\ne,f\n").to_pydict()
    assert table["line_number"] == [1, 2, 3, 4]
    assert [line.rstrip("\r\n") for line in table["line_with_newline"]] == ["a,b", "c,d", "", "e,f"]


def test_invalid_utf8_line_is_flagged_with_its_bytes_escaped() -> None:
    table = split_lines(b"ok\nM\xfcller\nfine").to_pydict()
    assert table["invalid_utf8"] == [False, True, False]
    assert table["line_with_newline"][1] == "M\\xfcller\n"


def test_truncated_gzip_rejects_the_file() -> None:
    packed = gzip.compress(b"1,Fitness\n" * 1000)
    with pytest.raises(FileRejected) as caught:
        decompress("x.csv.gz", packed[: len(packed) // 2])
    assert caught.value.reason == "truncated_gzip"


def test_garbage_named_gz_is_unreadable() -> None:
    with pytest.raises(FileRejected) as caught:
        decompress("x.csv.gz", b"not gzip at all")
    assert caught.value.reason == "unreadable_gzip"
