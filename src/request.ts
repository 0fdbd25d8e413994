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
   */
  constructor(
    readonly code: string,
    message: string,
    readonly status: number
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
      response.status
    );
  }
  return body as T;
}
