"""The credentials file editor: only our profile's lines change; everything else stays byte for
byte (comments, other profiles, order, CRLF-free text as written), mode 0600, atomic."""

from __future__ import annotations

import os
import stat

import pytest

from jupyter_extension_server.s3.cli import credential_process_output
from jupyter_extension_server.s3.profile import (
    CredentialsFile,
    read_profile,
    with_profile,
    without_profile,
)

KEYS = {
    "aws_access_key_id": "ASIAKEY1",
    "aws_secret_access_key": "secret/1+x=",
    "aws_session_token": "tok.en.1",
    "x_jupyter_expiration": "2030-01-01T00:00:00Z",
}

USER = """# header comment
[default]
aws_access_key_id = USERKEY
aws_secret_access_key = USERSECRET

# comment about prod (belongs to prod)
[prod]
aws_access_key_id = PRODKEY
"""


def test_a_new_profile_is_appended_and_removed_without_a_trace():
    text = with_profile(USER, "jupyter", KEYS)
    assert text.startswith(USER)
    assert text[len(USER) :] == (
        "\n[jupyter]\naws_access_key_id = ASIAKEY1\naws_secret_access_key = secret/1+x=\n"
        "aws_session_token = tok.en.1\nx_jupyter_expiration = 2030-01-01T00:00:00Z\n"
    )
    assert without_profile(text, "jupyter") == USER


def test_replacing_keeps_the_users_lines_in_our_section_and_the_next_sections_comment():
    text = (
        "[jupyter]\nregion = eu-west-1\naws_access_key_id = OLD\n"
        "aws_session_token = OLD\n\n# about prod\n[prod]\nx = 1\n"
    )
    new = with_profile(text, "jupyter", KEYS)
    assert "OLD" not in new
    assert new.endswith("region = eu-west-1\n\n# about prod\n[prod]\nx = 1\n")
    assert read_profile(new, "jupyter")["aws_access_key_id"] == "ASIAKEY1"
    # removing keeps the header while a line of the user's is left in the section
    assert (
        without_profile(new, "jupyter")
        == "[jupyter]\nregion = eu-west-1\n\n# about prod\n[prod]\nx = 1\n"
    )


def test_only_the_named_section_changes():
    text = with_profile(USER, "prod", {"aws_access_key_id": "NEW"})
    assert text.replace("aws_access_key_id = NEW\n", "aws_access_key_id = PRODKEY\n") == USER
    assert "USERKEY" in text and "# comment about prod" in text


def test_a_file_without_a_final_newline_and_a_lookalike_section():
    text = "[jupyter-old]\naws_access_key_id = KEEP"
    new = with_profile(text, "jupyter", {"aws_access_key_id": "A"})
    assert new.startswith("[jupyter-old]\naws_access_key_id = KEEP\n")
    assert read_profile(new, "jupyter-old") == {"aws_access_key_id": "KEEP"}


@pytest.mark.parametrize("name", ["", "a b", "x]\n[y", "a\nb", "p" * 65])
def test_unsafe_profile_names_are_refused(name):
    with pytest.raises(ValueError):
        with_profile("", name, KEYS)


@pytest.mark.parametrize("value", ["a\nb", " a", "", "a\r"])
def test_values_that_would_inject_lines_are_refused(value):
    with pytest.raises(ValueError):
        with_profile("", "jupyter", {"aws_access_key_id": value})


def test_the_file_is_written_0600_atomically_and_a_symlink_is_followed(tmp_path):
    real = tmp_path / "dotfiles" / "credentials"
    real.parent.mkdir()
    real.write_text(USER)
    real.chmod(0o644)
    link = tmp_path / ".aws" / "credentials"
    link.parent.mkdir()
    link.symlink_to(real)
    old = os.umask(0)
    try:
        CredentialsFile(link, "jupyter").write(KEYS)
    finally:
        os.umask(old)
    assert link.is_symlink()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert CredentialsFile(link, "jupyter").read() == KEYS
    assert not [p for p in real.parent.iterdir() if p.name.endswith(".tmp")]
    assert CredentialsFile(link, "jupyter").remove()
    assert real.read_text() == USER
    assert not CredentialsFile(link, "jupyter").remove()  # nothing left to change


def test_credential_process_output():
    out = credential_process_output(KEYS, now=0)
    assert out == {
        "Version": 1,
        "AccessKeyId": "ASIAKEY1",
        "SecretAccessKey": "secret/1+x=",
        "SessionToken": "tok.en.1",
        "Expiration": "2030-01-01T00:00:00Z",
    }
    with pytest.raises(LookupError):
        credential_process_output(KEYS, now=1893456000)  # 2030-01-01: expired
    with pytest.raises(LookupError):
        credential_process_output({"aws_access_key_id": "A"}, now=0)
