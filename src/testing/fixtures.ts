import { base64url } from 'jose';

import { IIdentityReply } from '../tokens';

/**
 * Make an unsigned test JWT (the panel never checks signatures; Vault does).
 *
 * @param claims the payload
 * @returns a compact JWT with a dummy signature
 */
export function makeJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}.c2ln`;
}

/**
 * A reply of the server companion carrying a token issued at `iat` that lives
 * `lifetime` seconds, as seen by a server whose clock reads `serverTime`.
 */
export function hubReply(options: {
  iat: number;
  lifetime: number;
  serverTime?: number;
  claims?: Record<string, unknown>;
}): IIdentityReply {
  const { iat, lifetime } = options;
  return {
    source: 'hub',
    source_detail: 'JupyterHub API users/alice',
    id_token: makeJwt({
      iss: 'http://127.0.0.1:18080/realms/jupyterhub',
      aud: 'jupyterhub',
      sub: 'f1e2',
      preferred_username: 'alice',
      name: 'Alice Admin',
      email: 'alice@example.org',
      groups: ['management'],
      iat,
      exp: iat + lifetime,
      ...options.claims
    }),
    fetched_at: iat,
    server_time: options.serverTime ?? iat,
    hint: null
  };
}
