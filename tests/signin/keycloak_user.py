"""The user's side of a device sign-in at the real Keycloak, driven with an HTTP client: open the
verification page, log in, accept or decline the consent screen. And realm administration the
fault tests need (a short-lived client, forgetting a consent).
"""

from __future__ import annotations

import html
import os
import re
import uuid

import httpx

KC_URL = os.environ.get("KC_URL", "http://127.0.0.1:18080").rstrip("/")
KC_BASE = KC_URL.split("/realms/")[0]
REALM = "jupyterhub"
ISSUER = f"{KC_BASE}/realms/{REALM}"
DEVICE_CLIENT = "jupyterlab-device"
USERS = {"alice": "alice-password", "bob": "bob-password"}
KC_ADMIN = os.environ.get("KC_BOOTSTRAP_ADMIN_USERNAME", "admin")
KC_ADMIN_PASSWORD = os.environ.get("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin")


def _browser() -> httpx.Client:
    """An HTTP client that keeps Keycloak's cookies as a browser on loopback does (Keycloak
    marks them Secure; browsers send those to http://127.0.0.1, httpx does not)."""
    client = httpx.Client(timeout=120, follow_redirects=True)

    def loopback_is_secure(_: httpx.Response) -> None:
        for cookie in client.cookies.jar:
            cookie.secure = False

    client.event_hooks = {"response": [loopback_is_secure]}
    return client


def _form(response: httpx.Response, form_id: str | None = None) -> str:
    """The absolute action URL of a form of the page."""
    page = response.text
    pattern = (
        rf'<form[^>]*\bid="{form_id}"[^>]*\baction="([^"]+)"'
        if form_id
        else (r'<form[^>]*\baction="([^"]+)"')
    )
    match = re.search(pattern, page)
    assert match, f"no form {form_id or ''} on Keycloak's page"
    return str(response.url.join(html.unescape(match.group(1))))


def approve(
    verification_uri: str, user_code: str, username: str = "alice", *, accept: bool = True
) -> str:
    """Go to the verification page with the user code, as the QR code's link does, log in, and
    accept (or decline) the consent screen. Returns the last page's text."""
    password = USERS[username]
    with _browser() as browser:
        # As the QR code's link (verification_uri_complete) does: the code in the query.
        page = browser.get(verification_uri, params={"user_code": user_code})
        assert page.status_code == 200, page.status_code
        page = browser.post(
            _form(page, "kc-form-login"),
            data={"username": username, "password": password, "credentialId": ""},
        )
        assert page.status_code == 200, page.status_code
        if 'name="accept"' in page.text:
            code = re.search(r'name="code" value="([^"]+)"', page.text)
            assert code, "no code on the consent page"
            choice = {"accept": "Yes"} if accept else {"cancel": "No"}
            page = browser.post(_form(page), data={"code": code.group(1), **choice})
        else:
            assert accept, "Keycloak showed no consent screen to decline"
        return page.text


def _admin() -> httpx.Client:
    token = httpx.post(
        f"{KC_BASE}/realms/master/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": KC_ADMIN,
            "password": KC_ADMIN_PASSWORD,
        },
        timeout=60,
    )
    assert token.status_code == 200, token.status_code
    return httpx.Client(
        base_url=f"{KC_BASE}/admin/realms/{REALM}",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=60,
    )


def forget_consent(username: str, client_id: str = DEVICE_CLIENT) -> None:
    """Remove the user's remembered consent, so Keycloak asks again."""
    with _admin() as admin:
        users = admin.get("/users", params={"exact": "true", "username": username}).json()
        response = admin.delete(f"/users/{users[0]['id']}/consents/{client_id}")
        assert response.status_code in (204, 404), response.status_code


def create_device_client(code_lifespan: int) -> str:
    """A throw-away public device client whose codes live ``code_lifespan`` seconds; returns
    its client id (remove it with :func:`delete_client`)."""
    client_id = f"device-test-{uuid.uuid4().hex[:8]}"
    with _admin() as admin:
        response = admin.post(
            "/clients",
            json={
                "clientId": client_id,
                "publicClient": True,
                "standardFlowEnabled": False,
                "consentRequired": True,
                "attributes": {
                    "oauth2.device.authorization.grant.enabled": "true",
                    "oauth2.device.code.lifespan": str(code_lifespan),
                    "oauth2.device.polling.interval": "1",
                },
            },
        )
        assert response.status_code == 201, response.text
    return client_id


def delete_client(client_id: str) -> None:
    with _admin() as admin:
        found = admin.get("/clients", params={"clientId": client_id}).json()
        for client in found:
            admin.delete(f"/clients/{client['id']}")


def refresh_grant(refresh_token: str, client_id: str = DEVICE_CLIENT) -> httpx.Response:
    """The refresh_token grant, straight at Keycloak (to see whether a token still works)."""
    return httpx.post(
        f"{ISSUER}/protocol/openid-connect/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
        },
        timeout=60,
    )
