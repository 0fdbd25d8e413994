"""jupyterlab-vault-jwt server companion (placeholder, filled in by the identity slice)."""
