// HS256 JWTs minted with node:crypto, the same shape the orders service validates
// (issue 3: HS256, `iss`, `exp`, `sub`, role from `role`). No JWT library: the format is three base64url parts.
import { createHmac } from 'node:crypto';

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * Mints a signed access token.
 * @param {object} o
 * @param {string} o.sub            user id (the JWT `sub`)
 * @param {string} [o.role]         e.g. 'admin'
 * @param {string} [o.secret]       defaults to ACCESS_TOKEN_SECRET
 * @param {string} [o.issuer]       defaults to ISSUER (omitted when neither is set)
 * @param {number} [o.expiresInSeconds=900]  negative values mint an already expired token
 * @param {object} [o.claims]       extra claims merged into the payload
 */
export function mintToken({ sub, role, secret = process.env.ACCESS_TOKEN_SECRET, issuer = process.env.ISSUER,
  expiresInSeconds = 900, claims = {} } = {}) {
  if (!sub) throw new Error('mintToken: sub is required');
  if (!secret) throw new Error('mintToken: no secret (set ACCESS_TOKEN_SECRET or pass secret)');
  const now = Math.floor(Date.now() / 1000);
  const payload = { sub, iat: now, nbf: Math.min(now, now + expiresInSeconds), exp: now + expiresInSeconds, ...claims };
  if (issuer) payload.iss = issuer;
  if (role) payload.role = role;
  return signJwt(payload, secret);
}

/** Signs `payload` as a compact HS256 JWT (header {"alg":"HS256","typ":"JWT"}). */
export function signJwt(payload, secret) {
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  const signature = createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

/** Decodes (without verifying) a token's payload, for messages and assertions. */
export function decodeToken(token) {
  const [, payload] = String(token).split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
}

/**
 * The token a QA script acts with: `token` if given, else ACCESS_TOKEN when no user is named,
 * else one minted for `user` with the configured secret.
 */
export function tokenFor({ user, role, token, env = process.env } = {}) {
  if (token) return token;
  if (!user && env.ACCESS_TOKEN) return env.ACCESS_TOKEN;
  if (!user) throw new Error('no ACCESS_TOKEN and no user name to mint a token for');
  return mintToken({ sub: user, role, secret: env.ACCESS_TOKEN_SECRET, issuer: env.ISSUER });
}
