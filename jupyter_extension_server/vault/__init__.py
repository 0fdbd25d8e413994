"""Vault: one Vault/OpenBao server, the session logged in with the id_token, and its KV secrets.

| module         | concept                                                                   |
| -------------- | ------------------------------------------------------------------------- |
| ``api``        | the HTTP API of one Vault/OpenBao: client, TLS, namespace, errors         |
| ``session``    | ``VaultSession``: JWT login, keep-alive, logout and shutdown revoke       |
| ``tokenfile``  | the ``~/.vault-token`` token-helper file                                  |
| ``kv``         | KV v1/v2 mounts and paths, and a secret's key names (never its values)    |
| ``catalog``    | ``SecretCatalog``: every readable KV path                                 |
"""
