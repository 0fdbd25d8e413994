import { decodeIdToken } from './jwt';
import { makeJwt } from '../testing/fixtures';

describe('decodeIdToken', () => {
  it('normalises audience and groups to lists', () => {
    const claims = decodeIdToken(
      makeJwt({ aud: 'jupyterhub', groups: ['a', 'b'], exp: 10, iat: 5 })
    );
    expect(claims.aud).toEqual(['jupyterhub']);
    expect(claims.groups).toEqual(['a', 'b']);
    expect(claims.exp).toBe(10);
    expect(claims.iat).toBe(5);
  });

  it('keeps every claim in raw and reads the standard ones', () => {
    const claims = decodeIdToken(
      makeJwt({
        aud: ['x', 'y'],
        exp: 10,
        preferred_username: 'alice',
        email: 'alice@example.org',
        custom: { team: 'ml' }
      })
    );
    expect(claims.aud).toEqual(['x', 'y']);
    expect(claims.groups).toEqual([]);
    expect(claims.preferred_username).toBe('alice');
    expect(claims.email).toBe('alice@example.org');
    expect(claims.raw.custom).toEqual({ team: 'ml' });
  });

  it('rejects a token without a numeric exp', () => {
    expect(() => decodeIdToken(makeJwt({ exp: 'soon' }))).toThrow(/exp/);
  });

  it('rejects something that is not a JWT', () => {
    expect(() => decodeIdToken('not-a-jwt')).toThrow();
  });
});
