"""Reading landed bytes into numbered lines."""

from __future__ import annotations

import gzip

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopsight.ingest.reader import FileRejected, decompress, pick_lines, split_lines


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


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"a,b", b"", b"\xff\xfe", b"M\xc3\xbcller", b"x\r", b"1"]))
    .map(b"\n".join)
    .flatmap(lambda body: st.sampled_from([body, body + b"\n"])),
    picks=st.lists(st.integers(min_value=1, max_value=40), unique=True),
)
def test_picked_lines_are_the_same_lines_split_lines_gives(data, picks) -> None:
    whole = split_lines(data, file_index=3)
    wanted = sorted(n for n in picks if n <= whole.num_rows)
    expected = whole.filter(pc.is_in(whole.column("line_number"), pa.array(wanted, pa.int64())))
    picked = pick_lines(data, wanted, file_index=3)
    assert picked.to_pydict() == {
        **expected.to_pydict(),
        "line_with_newline": [
            line if line.endswith("\n") else line + "\n"
            for line in expected.column("line_with_newline").to_pylist()
        ],
    }
