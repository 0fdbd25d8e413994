# kv-reader: an example read-only policy for jupyterlab-vault-jwt (docs/deploying.md).
# Write it with:  vault policy write kv-reader kv-reader.hcl   (or: bao policy write ...)
#
# What the sidebar needs:
# - KV v2 (mount "secret/"): `list` on secret/metadata/<folder>/* to browse a folder,
#   `read` on secret/data/<path> to read a secret (the catalog shows only readable secrets).
# - KV v1 (mount "legacy/"): `list` and `read` on the same path, legacy/<path>.
# - OpenBao >= 2.2 only: adding "scan" next to "list" lets the catalog list a whole subtree
#   in one request, e.g. capabilities = ["list", "scan"]. Vault refuses a policy that
#   holds "scan" (invalid capability), so leave it out there.
# - Nothing else: the token's `default` policy covers auth/token/lookup-self, renew-self,
#   revoke-self, sys/capabilities-self and sys/internal/ui/resultant-acl.

# KV v2: everything under secret/apps/billing/, browsable and readable...
path "secret/metadata/apps/billing/*" {
  capabilities = ["list"]
}
path "secret/data/apps/billing/*" {
  capabilities = ["read"]
}
# ...except one secret: deny wins over any glob.
path "secret/data/apps/billing/stripe" {
  capabilities = ["deny"]
}

# KV v2: one secret readable by its exact path, without `list` on its folder. The catalog
# still shows it (found through sys/internal/ui/resultant-acl).
path "secret/data/management/board/minutes-key" {
  capabilities = ["read"]
}

# KV v1: browse and read everything under legacy/ldap/.
path "legacy/ldap/*" {
  capabilities = ["list", "read"]
}
