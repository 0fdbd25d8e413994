import { decodeJwt } from 'jose';

import { IIdTokenClaims } from '../tokens';

/**
 * Decode an id_token's claims (no signature check: Vault verifies the token;
 * the panel only displays it).
 *
 * @param token a compact JWT
 * @returns the normalised claims
 * @throws Error when the token is not a JWT or has no numeric `exp`
 */
export function decodeIdToken(token: string): IIdTokenClaims {
  const raw = decodeJwt(token) as Record<string, unknown>;
  if (typeof raw.exp !== 'number') {
    throw new Error('The id_token has no numeric "exp" claim.');
  }
  return {
    iss: asString(raw.iss),
    sub: asString(raw.sub),
    aud: asList(raw.aud),
    exp: raw.exp,
    iat: typeof raw.iat === 'number' ? raw.iat : undefined,
    preferred_username: asString(raw.preferred_username),
    name: asString(raw.name),
    email: asString(raw.email),
    groups: asList(raw.groups),
    raw
  };
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.filter((item): item is string => typeof item === 'string');
  }
  return [];
}
