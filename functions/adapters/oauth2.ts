// OAuth2 client credentials (RFC 6749 §4.4), as Argo Rollouts' `authentication.oauth2`: a token
// is asked for at each measurement (nothing is kept between visits) and sent as a bearer token.
import type { OAuth2Ref } from '../core/analysis/run-spec.ts';

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Why no token could be had; the measurement is an Error with this message. */
export class OAuth2Error extends Error {
  override readonly name = 'OAuth2Error';
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before they go into the Basic header. */
function basic(id: string, secret: string): string {
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`, 'utf8').toString('base64')}`;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}

/** Asks tokenUrl for an access token with the client's credentials; throws OAuth2Error. */
export async function clientCredentialsToken(
  config: OAuth2Ref,
  options: { readonly timeoutMs: number; readonly fetch?: FetchLike },
): Promise<string> {
  const where = `the OAuth2 token endpoint ${config.tokenUrl}`;
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (config.scopes.length > 0) form.set('scope', config.scopes.join(' '));
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(config.tokenUrl, {
      method: 'POST',
      headers: {
        Authorization: basic(config.clientId, config.clientSecret),
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: form.toString(),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    throw new OAuth2Error(
      `cannot reach ${where}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
  if (!response.ok) {
    throw new OAuth2Error(
      `${where} refused client ${config.clientId}: HTTP ${String(response.status)} ${snippet(text)}`,
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(text) as { access_token?: unknown }).access_token;
  } catch {
    throw new OAuth2Error(`${where} answered without JSON: ${snippet(text)}`);
  }
  if (typeof token !== 'string' || token === '') {
    throw new OAuth2Error(`${where} answered without an access_token`);
  }
  return token;
}
