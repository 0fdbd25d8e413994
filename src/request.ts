import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IErrorReply } from './tokens';

/** The URL namespace of the server companion. */
const NAMESPACE = 'vault-jwt';

/**
 * A failed call to the server companion, with the error code it sent
 * (`login_required`, `hub_unreachable`, ...) or `network` / `http_<status>`.
 */
export class ApiError extends Error {
  /**
   * @param code machine-readable code
   * @param message human-readable, actionable message
   * @param status HTTP status (0 when the server could not be reached)
   * @param retryAfterMs when the server said to ask again (its `Retry-After`,
   *   e.g. on a 429 of its rate limit), in ms from now
   */
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly retryAfterMs?: number
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Call the server companion's REST API.
 *
 * @param endPoint path under the `vault-jwt` namespace, e.g. `identity`
 * @param init fetch options
 * @param settings the server connection settings (the app's by default)
 * @returns the decoded JSON reply
 * @throws ApiError on network failures and non-2xx replies
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(
      'network',
      `The Jupyter server could not be reached: ${(error as Error).message}`,
      0
    );
  }
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const error = (body as IErrorReply | null)?.error;
    throw new ApiError(
      error?.code ?? `http_${response.status}`,
      error?.message ??
        `The server companion answered HTTP ${response.status}. Is the jupyterlab-vault-jwt server extension enabled?`,
      response.status,
      retryAfterMs(response.headers.get('Retry-After'))
    );
  }
  return body as T;
}

/**
 * A `Retry-After` header (seconds, or an HTTP date) in ms from now.
 *
 * @param value the header's value, or null
 * @returns the delay, or undefined without a usable header
 */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds)) {
    return Math.max(0, seconds * 1000);
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
