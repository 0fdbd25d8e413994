/**
 * The redaction feature's token: the leak notices, which the panel shows.
 * The model is loaded on first use (a notebook scanned, the panel shown), so
 * it is not part of the start-up bundle.
 */

import { Token } from '@lumino/coreutils';

import type { LeakNoticeModel } from './leaks';

/** The leak notices of open notebooks (see ./leaks.ts). */
export interface ILeakNotices {
  /** The model, loaded on first use. */
  model(): Promise<LeakNoticeModel>;
}

/** Provided by the redaction plugin, used by the panel. */
export const ILeakNotices = new Token<ILeakNotices>(
  'jupyterlab-vault-jwt:leak-notices'
);
