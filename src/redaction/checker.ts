/**
 * The redaction routes' client: asks the server which cells' outputs hold
 * values of the Vault secrets the notebook's snippets read, and sends the
 * user's masking setting. The browser sends the notebook and receives cell
 * indexes and secret labels only; it never receives a value.
 */

import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../request';

/** One cell whose outputs hold values: its index and the secrets' labels. */
export interface IFinding {
  /** Index of the cell in the notebook. */
  cell: number;
  /** `mount/path#key` of each secret found (hostile characters percent-encoded). */
  secrets: string[];
}

/** The reply of `POST vault-jwt/redaction/scan`. */
export interface IScanReply {
  /** The cells whose outputs hold values. */
  findings: IFinding[];
  /** `mount/path` of secrets the notebook reads that the server could not read. */
  unreadable: string[];
}

/** The reply of `vault-jwt/redaction`: the settings in force. */
export interface IRedactionSettingsReply {
  /** Whether masking is on for this server. */
  active: boolean;
  /** The administrator made it mandatory. */
  mandatory: boolean;
}

/** The server routes the checker calls (a fake in specs). */
export interface IRedactionClient {
  /** Which cells of `notebook` (nbformat JSON) hold values. */
  scan(notebook: unknown): Promise<IScanReply>;
}

/** The REST client of the redaction routes. */
export class RedactionClient implements IRedactionClient {
  constructor(private readonly _settings?: ServerConnection.ISettings) {}

  /** `POST redaction {"enabled"}`: the user's choice (refused when mandatory). */
  setEnabled(enabled: boolean): Promise<IRedactionSettingsReply> {
    return requestAPI<IRedactionSettingsReply>(
      'redaction',
      { method: 'POST', body: JSON.stringify({ enabled }) },
      this._settings
    );
  }

  /** `POST redaction/scan`. */
  scan(notebook: unknown): Promise<IScanReply> {
    return requestAPI<IScanReply>(
      'redaction/scan',
      { method: 'POST', body: JSON.stringify({ notebook }) },
      this._settings
    );
  }
}
