import { decodeJwt } from 'jose';

import { IIdTokenClaims } from '../tokens';

/**
 * Normalise an id_token's claims (as the server decoded them) for the panel.
 *
 * @param raw the claims object
 * @returns the normalised claims
 * @throws Error when there is no numeric `exp`
 */
export function normaliseClaims(raw: Record<string, unknown>): IIdTokenClaims {
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

/**
 * Decode a raw id_token's claims (no signature check: Vault verifies the
 * token). Used on the token fetched for copying, to check it is a JWT.
 *
 * @param token a compact JWT
 * @returns the normalised claims
 * @throws Error when the token is not a JWT or has no numeric `exp`
 */
export function decodeIdToken(token: string): IIdTokenClaims {
  return normaliseClaims(decodeJwt(token) as Record<string, unknown>);
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
