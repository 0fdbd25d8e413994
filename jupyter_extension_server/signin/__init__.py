"""Sign in from the panel where there is no hub to ask: the OAuth device flow (RFC 8628).

:mod:`.oidc` calls the provider (discovery, device authorization, token, refresh, revocation),
:mod:`.flow` polls one device sign-in, :mod:`.source` holds the tokens on the server and keeps
them fresh (an id_token source of the identity service), :mod:`.handlers` are the REST routes.
"""

# The identity service imports this package's modules at its end; import it first so that either
# import order works.
from ..identity import service as _service  # noqa: F401
