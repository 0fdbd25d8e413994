/**
 * Test id_tokens for the UI tests.
 *
 * When UI_JWT_PRIVATE_KEY_FILE names an RSA key (scripts/test.sh makes one
 * and has OpenBao's `jwt-test` auth method trust it), tokens are signed RS256
 * with it and carry UI_JWT_ISSUER as `iss`, so OpenBao validates them for real
 * when the panel logs in. Otherwise they are signed with a throw-away HMAC key
 * (the identity card never checks signatures; it only decodes claims).
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const HMAC_KEY = crypto.randomBytes(32);
const RSA_KEY_FILE = process.env.UI_JWT_PRIVATE_KEY_FILE;
const ISSUER =
  process.env.UI_JWT_ISSUER || 'http://127.0.0.1:18080/realms/jupyterhub';

function encode(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * @param {Record<string, unknown>} claims extra claims
 * @param {number} lifetime seconds until exp
 * @returns {string} a compact JWT
 */
function mintIdToken(claims = {}, lifetime = 300) {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: ISSUER,
    aud: 'jupyterhub',
    sub: 'ui-test-user',
    preferred_username: 'alice',
    name: 'Alice Admin',
    email: 'alice@example.org',
    groups: ['management'],
    iat: now,
    exp: now + lifetime,
    ...claims
  };
  if (RSA_KEY_FILE) {
    const body = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(payload)}`;
    const key = fs.readFileSync(RSA_KEY_FILE, 'utf8');
    const sig = crypto.sign('sha256', Buffer.from(body), key);
    return `${body}.${sig.toString('base64url')}`;
  }
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  const sig = crypto
    .createHmac('sha256', HMAC_KEY)
    .update(body)
    .digest('base64url');
  return `${body}.${sig}`;
}

/**
 * Write a token file atomically with mode 0600.
 *
 * @param {string} file the path
 * @param {string} token the token
 */
function writeTokenFile(file, token) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, token, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

module.exports = { mintIdToken, writeTokenFile };
