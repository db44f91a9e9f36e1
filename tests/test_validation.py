"""Trackier's password rule and the row checks reusable by DAGs."""

from __future__ import annotations

import pytest

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.validation import PASSWORD_MESSAGE, check_password, password_ok, publisher_problems


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
