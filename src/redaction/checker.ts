/**
 * Leak checks of notebooks: asks the server which cells' outputs hold values
 * of the Vault secrets the notebook's snippets read, tells the user which
 * secret is in which cell, and clears those outputs on request. The browser
 * sends the notebook and receives cell indexes and secret labels only; it
 * never receives a value.
 */

import { ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';

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

/** The part of a notebook model the checker uses. */
export interface INotebookModelLike {
  /** The notebook as nbformat JSON. */
  toJSON(): unknown;
  /** The cells, by index. */
  readonly cells: {
    readonly length: number;
    get(index: number): {
      readonly type: string;
      readonly outputs?: { clear(): void };
    };
  };
}

/**
 * One line per cell, `Cell 3: secret/apps/db#password, …` (cells counted
 * from 1, as the user sees them).
 */
export function describeFindings(
  findings: readonly IFinding[],
  trans: TranslationBundle
): string {
  return findings
    .map(f => trans.__('Cell %1: %2', f.cell + 1, f.secrets.join(', ')))
    .join('\n');
}

/**
 * Clear the outputs of the cells named by `findings`.
 *
 * @returns how many cells were cleared
 */
export function clearFindings(
  model: INotebookModelLike,
  findings: readonly IFinding[]
): number {
  let cleared = 0;
  for (const { cell } of findings) {
    if (cell < 0 || cell >= model.cells.length) {
      continue;
    }
    const outputs = model.cells.get(cell).outputs;
    if (outputs) {
      outputs.clear();
      cleared++;
    }
  }
  return cleared;
}
