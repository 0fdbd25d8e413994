/**
 * Test id_tokens for the UI tests, signed with a throw-away HMAC key (the
 * panel never checks signatures; it only decodes claims).
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const KEY = crypto.randomBytes(32);

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
    iss: 'http://127.0.0.1:18080/realms/jupyterhub',
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
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  const sig = crypto.createHmac('sha256', KEY).update(body).digest('base64url');
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
