"""Trackier's password rule and the row checks reusable by DAGs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.validation import (
    PASSWORD_MESSAGE,
    check_choice,
    check_choices,
    check_dotted_path,
    check_email,
    check_flag,
    check_id,
    check_ids,
    check_json,
    check_number,
    check_password,
    check_payouts,
    check_seconds,
    check_text,
    check_url,
    password_ok,
    publisher_problems,
    require_text,
)


@pytest.mark.parametrize("password", ["Abcdef1@", "Zz9-zzzz", "Aa1#Aa1#Aa1#Aa1#", "xY7$xy7&"])
def test_good_passwords(password: str) -> None:
    assert password_ok(password)
    check_password(password)


@pytest.mark.parametrize(
    "password",
    [
        "Abcde1@",  # 7 characters
        "Abcdefgh1@abcdefg",  # 17 characters
        "abcdefg1@",  # no uppercase
        "ABCDEFG1@",  # no lowercase
        "Abcdefgh@",  # no digit
        "Abcdefgh1",  # no special
        "Abcdefg1!",  # ! is not one of - @ # $ &
        None,
        12345678,
    ],
)
def test_bad_passwords_get_trackiers_message_without_the_password(password: object) -> None:
    assert not password_ok(password)
    with pytest.raises(TrackierConfigError) as info:
        check_password(password)
    assert info.value.problem == PASSWORD_MESSAGE == "Password criteria not met!"
    assert info.value.field == "password"
    if isinstance(password, str):
        assert password not in str(info.value)


def test_publisher_problems_lists_every_problem() -> None:
    assert publisher_problems({"name": "A", "email": "a@b.co", "password": "Abcdef1@"}) == []
    problems = publisher_problems({"name": "A", "email": "not-an-email", "password": "weakpass", "status": "x"})
    assert "password: Password criteria not met!" in problems
    assert any(p.startswith("email:") for p in problems)
    assert any(p.startswith("status:") for p in problems)
    assert not any("weakpass" in p for p in problems)


# ------------------------------------------------------------------------------------ the shared checks
@pytest.mark.parametrize(
    ("value", "kwargs", "problem"),
    [
        (True, {}, "must be a number, got True"),
        (float("nan"), {}, "must be a finite number"),
        (float("inf"), {}, "must be a finite number"),
        (2.5, {"whole": True}, "must be a whole number, got 2.5"),
        ("12", {}, "must be a number, got '12'"),
        ("true", {"from_text": True}, "must be a number, got 'true'"),
        ("nan", {"from_text": True}, "must be a finite number"),
        (0, {"above": 0}, "must be > 0, got 0"),
        (101, {"at_least": 0, "at_most": 100}, "must be >= 0 and <= 100, got 101"),
        (10**400, {"at_most": 100}, "must be <= 100"),
        (None, {"required": True}, "is required"),
    ],
)
def test_check_number_refuses(value, kwargs, problem) -> None:
    with pytest.raises(TrackierConfigError) as info:
        check_number("n", value, **kwargs)
    assert info.value.field == "n"
    assert problem in info.value.problem


def test_check_number_reads() -> None:
    assert check_number("n", None) is None
    assert check_number("n", "", from_text=True) is None
    assert check_number("n", " 12 ", from_text=True, whole=True) == 12
    assert check_number("n", "1e3", from_text=True, whole=True) == 1000
    assert check_number("n", 2.0, whole=True) == 2 and isinstance(check_number("n", 2.0, whole=True), int)
    assert check_number("n", 0.5) == 0.5
    assert check_seconds("s", timedelta(minutes=2)) == 120.0


@pytest.mark.parametrize(
    ("value", "problem"),
    [(5, "must be text, got int"), ("a\nb", "control character '\\n'"), ("a\x00", "control character"),
     ("\ud800", "control character"), ("x\u2028y", "control character")],
)
def test_check_text_refuses(value, problem) -> None:
    with pytest.raises(TrackierConfigError, match=problem.replace("\\", "\\\\")):
        check_text("t", value)


def test_check_text_strips_and_secret_text_stays_out_of_messages() -> None:
    assert check_text("t", "  Travel \n") == "Travel"
    assert check_text("t", "   ") is None
    with pytest.raises(TrackierConfigError) as info:
        require_text("pw", "Sec\tret#Canary1", secret=True, strip=False)
    assert "Canary" not in str(info.value)
    assert require_text("pw", " Sec#ret1 ", secret=True, strip=False) == " Sec#ret1 "


def test_choices_are_checked_against_the_allowed_values() -> None:
    assert check_choice("status", " active ", ("active", "paused")) == "active"
    assert check_choice("status", "", ("active",)) is None
    for bad, problem in ((["active"], "must be text"), (0, "must be text"), ("ACTIVE", "'ACTIVE' is not allowed")):
        with pytest.raises(TrackierConfigError, match=problem):
            check_choice("status", bad, ("active",))
    assert check_choices("kpi", "clicks, revenue", ("clicks", "revenue")) == ["clicks", "revenue"]
    with pytest.raises(TrackierConfigError) as info:
        check_choices("kpi", ["clicks", "nope"], ("clicks",))
    assert info.value.field == "kpi[1]"
    with pytest.raises(TrackierConfigError, match="must be a list of names, got int"):
        check_choices("kpi", 5)


def test_ids_are_checked_element_by_element() -> None:
    assert check_ids("ids", "1, 2,,3") == ["1", "2", "3"]
    assert check_ids("ids", 7) == ["7"]
    assert check_ids("ids", []) is None
    for bad, field, problem in (([None], "ids[0]", "is required"), ([1, True], "ids[1]", "got bool"),
                                ([["1"]], "ids[0]", "got list"), ([1.5], "ids[0]", "got float"),
                                (["a\nb"], "ids[0]", "control character"), ({"a": 1}, "ids", "got dict"),
                                ([-1], "ids[0]", ">= 0")):
        with pytest.raises(TrackierConfigError) as info:
            check_ids("ids", bad)
        assert (info.value.field, problem in info.value.problem) == (field, True)


@pytest.mark.parametrize(
    "url",
    ["ftp://x.example", "javascript:alert(1)", "http://", "http://[::1", "http://h:99999", "http://h:abc",
     "https://user:pw@x.example", "https://x.example/?a=1", "https://x .example", "x.example"],
)
def test_check_url_refuses(url) -> None:
    with pytest.raises(TrackierConfigError):
        check_url("u", url)


def test_check_url_accepts_http_and_https() -> None:
    assert check_url("u", " https://x.example/path ") == "https://x.example/path"
    assert check_url("u", "http://127.0.0.1:8099") == "http://127.0.0.1:8099"
    assert check_url("u", None) is None


def test_check_json_and_flags() -> None:
    assert check_json("f", {"a": [1, "x\ny", None, True, 1.5]}) == {"a": [1, "x\ny", None, True, 1.5]}
    for bad, field in (({"a": float("nan")}, "f.a"), ({"a": b"x"}, "f.a"), ({1: "x"}, "f key"),
                       ([object()], "f[0]"), ("\ud800", "f")):
        with pytest.raises(TrackierConfigError) as info:
            check_json("f", bad)
        assert info.value.field == field
    assert check_flag("f", False) is False
    with pytest.raises(TrackierConfigError, match="must be True or False, got 'no'"):
        check_flag("f", "no")


def test_email_with_a_trailing_newline_is_stripped_and_one_inside_refused() -> None:
    assert check_email("ops@acme.example\n") == "ops@acme.example"
    for bad in ("ops@acme.example\nx", "ops@acme", 5):
        with pytest.raises(TrackierConfigError):
            check_email(bad)


def test_password_with_a_control_character_is_refused() -> None:
    assert not password_ok("Abcdef1@\n")


def test_payouts_are_numbers_and_geo_lists() -> None:
    good = [{"payout": 1, "revenue": 2.5, "geo": ["US", " IN "]}]
    assert check_payouts(good) == [{"payout": 1, "revenue": 2.5, "geo": ["US", "IN"]}]
    for bad, field in (([{"payout": float("nan"), "revenue": 1, "geo": ["US"]}], "payouts[0].payout"),
                       ([{"payout": True, "revenue": 1, "geo": ["US"]}], "payouts[0].payout"),
                       ([{"payout": 1, "revenue": 1, "geo": [None]}], "payouts[0].geo[0]"),
                       ([{"payout": 1, "geo": ["US"]}], "payouts[0].revenue")):
        with pytest.raises(TrackierConfigError) as info:
            check_payouts(bad)
        assert info.value.field == field


def test_publisher_problems_checks_the_status() -> None:
    assert publisher_problems({"name": "A", "email": "a@b.co", "password": "Abcdef1@", "status": ""}) == []
    assert publisher_problems({"name": "A", "email": "a@b.co", "password": "Abcdef1@", "status": "live"}) == [
        "status: 'live' is not allowed"
    ]


def test_dotted_paths() -> None:
    assert check_dotted_path("f", "pkg.mod.func") == "pkg.mod.func"
    for bad in ("..", "func", "pkg..func", "pkg.1func", 5):
        with pytest.raises(TrackierConfigError):
            check_dotted_path("f", bad)


@pytest.mark.parametrize(("text", "ids"), [("[1, 2]", ["1", "2"]), ('["a1", 2]', ["a1", "2"]), ("1, 2", ["1", "2"]),
                                           ("[]", None)])
def test_a_list_as_text_is_json_or_comma_separated(text, ids) -> None:
    assert check_ids("ids", text) == ids


@pytest.mark.parametrize("text", ["[1, 2", "['1']", '{"a": 1}', '"1"', "[[1]]", "[null]", "[1.5]"])
def test_a_list_as_text_that_is_not_a_json_list_of_ids_is_refused(text) -> None:
    with pytest.raises(TrackierConfigError) as info:
        check_ids("ids", text)
    assert info.value.field.startswith("ids")


@pytest.mark.parametrize("hidden", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00a0", "\u202e", "\ue000"])
def test_invisible_characters_in_ids_are_refused(hidden) -> None:
    with pytest.raises(TrackierConfigError, match=f"U\\+{ord(hidden):04X}"):
        check_id("id", f"12{hidden}3")
    assert check_id("id", "12 3") == "12 3"  # a plain space is visible (and the server's to judge)


@pytest.mark.parametrize(("text", "kwargs", "number"), [
    ("10", {"whole": True}, 10), ("10.0", {"whole": True}, 10), ("1e3", {"whole": True}, 1000),
    ("0.1", {}, 0.1), ("-2.50", {}, -2.5), ("12345678901234567890", {"whole": True}, 12345678901234567890),
])
def test_numbers_from_text_are_converted_when_exact(text, kwargs, number) -> None:
    assert check_number("n", text, from_text=True, **kwargs) == number


@pytest.mark.parametrize(("text", "kwargs"), [
    ("1.00000000000000000001", {}), ("12345678901234567890.5", {"whole": True}), ("2.5", {"whole": True}),
    ("1_000", {}), ("0x10", {}), ("\u0663", {}), ("1e400", {}), ("-inf", {}), ("NaN", {}),
    ("1e99999999", {"whole": True}),
])
def test_numbers_from_text_that_are_not_exact_are_refused(text, kwargs) -> None:
    with pytest.raises(TrackierConfigError):
        check_number("n", text, from_text=True, **kwargs)
