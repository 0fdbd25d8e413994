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
 * The fingerprint the server would send for `token` (any stable string will
 * do in the specs: the panel only compares them).
 *
 * @param token a compact JWT
 * @returns a short id derived from the token
 */
export function tokenIdOf(token: string): string {
  let hash = 0;
  for (let i = 0; i < token.length; i++) {
    hash = (hash * 31 + token.charCodeAt(i)) | 0;
  }
  return `t${(hash >>> 0).toString(16)}`;
}

/**
 * The claims of a token issued at `iat` that lives `lifetime` seconds.
 */
export function testClaims(options: {
  iat: number;
  lifetime: number;
  claims?: Record<string, unknown>;
}): Record<string, unknown> {
  const { iat, lifetime } = options;
  return {
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
  };
}

/**
 * A reply of the server companion carrying the claims of a token issued at
 * `iat` that lives `lifetime` seconds, as seen by a server whose clock reads
 * `serverTime` (claims and a fingerprint: the raw token is never in it).
 */
export function hubReply(options: {
  iat: number;
  lifetime: number;
  serverTime?: number;
  claims?: Record<string, unknown>;
  copyAllowed?: boolean;
}): IIdentityReply {
  const claims = testClaims(options);
  const allowed = options.copyAllowed ?? true;
  return {
    source: 'hub',
    source_detail: 'JupyterHub API users/alice',
    claims,
    token_id: tokenIdOf(makeJwt(claims)),
    fetched_at: options.iat,
    server_time: options.serverTime ?? options.iat,
    hint: null,
    copy: {
      allowed,
      reason: allowed
        ? null
        : 'Your administrator turned copying the id_token off.'
    }
  };
}
