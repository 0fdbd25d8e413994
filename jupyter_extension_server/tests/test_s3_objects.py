"""One level of a bucket, without a server: the ListObjectsV2 reply parsed (URL-encoded keys
decoded), the query signed as SigV4 canonicalises it, names refused before any request; and the
clock-skew naming of an STS expiry verdict."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from jupyter_extension_server.errors import BadRequest, UnsafePath
from jupyter_extension_server.s3 import errors
from jupyter_extension_server.s3.objects import check_bucket, check_prefix, page_url, parse_page
from jupyter_extension_server.s3.sts import name_clock_skew, refusal

PAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>d%2F</Prefix><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>
  <NextContinuationToken>tok/+=</NextContinuationToken>
  <Contents><Key>d/it%27s%20%24%28x%29%0Aline+plus%2B.csv</Key><Size>12</Size>
    <LastModified>2026-12-07T10:00:00.000Z</LastModified></Contents>
  <CommonPrefixes><Prefix>d/sub%20dir/</Prefix></CommonPrefixes>
</ListBucketResult>"""


def test_a_page_is_parsed_and_its_keys_decoded():
    folders, objects, token = parse_page(PAGE)
    assert folders == ["d/sub dir/"]
    assert [(o.key, o.size) for o in objects] == [("d/it's $(x)\nline plus+.csv", 12)]
    assert token == "tok/+="


def test_the_page_url_is_in_sigv4_canonical_form():
    url = page_url("http://s3.test/", "b", "it's a/", "tok/+=")
    parts = urlsplit(url)
    assert parts.path == "/b"
    names = [pair.split("=")[0] for pair in parts.query.split("&")]
    assert names == sorted(names)  # sorted, every reserved character percent-encoded
    assert "+" not in parts.query and "/" not in parts.query and "'" not in parts.query
    assert dict(parse_qsl(parts.query)) == {
        "continuation-token": "tok/+=",
        "delimiter": "/",
        "encoding-type": "url",
        "list-type": "2",
        "max-keys": "1000",
        "prefix": "it's a/",
    }


@pytest.mark.parametrize("name", ["../b", "B", "ab", "a..b", "a/b", "-ab", "a" * 64])
def test_bucket_names_s3_does_not_allow_are_refused(name):
    with pytest.raises(UnsafePath):
        check_bucket(name)


def test_a_missing_bucket_is_a_bad_request():
    with pytest.raises(BadRequest):
        check_bucket("")


@pytest.mark.parametrize("prefix", ["../", "a//", "./", "%2e%2e/", "a\\b/", "a" * 1025])
def test_folders_that_mean_another_path_are_refused(prefix):
    with pytest.raises(UnsafePath):
        check_prefix(prefix)


@pytest.mark.parametrize("prefix", ["", "team/", "it's $(x) é/", "a b/c/"])
def test_ordinary_folders_pass(prefix):
    assert check_prefix(prefix) == prefix


EXPIRED = b"""<ErrorResponse><Error><Code>ExpiredTokenException</Code>
<Message>provider: token has expired</Message></Error></ErrorResponse>"""


def test_an_expiry_verdict_against_this_servers_clock():
    expired = refusal(400, EXPIRED, "arn:role")
    assert type(expired) is errors.StsIdTokenExpired
    # expired here too: unchanged
    assert name_clock_skew(expired, exp=1000.0, now=1003.0) is expired
    # valid here for 120 s more: the clocks disagree
    skew = name_clock_skew(expired, exp=1000.0, now=880.0)
    assert isinstance(skew, errors.StsClockSkew) and skew.code == "sts_clock_skew"
    assert "120 s more" in skew.message and "clock" in skew.message
    assert "token has expired" in skew.message  # the STS's own words kept
