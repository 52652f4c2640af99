import pytest

from pipeline_common import events
from pipeline_common.errors import InvalidInput


def test_a_nested_key_is_read_with_its_type():
    assert events.read({"a": {"b": "x"}}, "a.b", str, "Step") == "x"


@pytest.mark.parametrize(("event", "path", "expected", "message"), [
    ({}, "a.b", str, "Step: the event has no 'a.b' \\(expected string\\)"),
    ({"a": "text"}, "a.b", str, "Step: 'a' is str 'text', expected an object \\(reading 'a.b'\\)"),
    ([1], "a", dict, "Step: the event is list \\[1\\], expected an object"),
    ({"a": {"b": 3}}, "a.b", str, "Step: 'a.b' is int 3, expected string"),
    ({"n": True}, "n", int, "Step: 'n' is bool True, expected number"),
])
def test_a_missing_or_mistyped_key_is_named(event, path, expected, message):
    with pytest.raises(InvalidInput, match=message):
        events.read(event, path, expected, "Step")


def test_an_absent_optional_key_gives_the_default_but_a_present_one_is_still_typed():
    assert events.read({}, "execution", str, "Step", default="") == ""
    with pytest.raises(InvalidInput, match="'execution' is int 5"):
        events.read({"execution": 5}, "execution", str, "Step", default="")
