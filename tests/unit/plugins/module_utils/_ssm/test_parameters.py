"""The write plan of SSM parameters: only what differs, first values kept, absent means delete."""

from ansible_collections.pilotlight.dr.plugins.module_utils._ssm.parameters import plan


def test_nothing_to_write_when_equal():
    assert plan({"/a": "1", "/b": None}, {"/a": "1", "/b": None}) == []


def test_put_what_differs_or_is_missing():
    assert plan({"/a": "1", "/b": None}, {"/a": "2", "/b": "x"}) == [("put", "/a", "2"), ("put", "/b", "x")]


def test_keep_existing_is_written_only_when_absent():
    assert plan({"/start": "t1"}, {"/start": "t2"}, keep_existing=("/start",)) == []
    assert plan({"/start": None}, {"/start": "t2"}, keep_existing=("/start",)) == [("put", "/start", "t2")]


def test_none_deletes_what_exists_only():
    assert plan({"/start": "t1", "/gone": None}, {"/start": None, "/gone": None}) == [("delete", "/start", None)]
