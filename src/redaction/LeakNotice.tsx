import { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useId, useState } from 'react';

import { ILeakNotice, LeakNoticeModel } from './leaks';
import { ILeakNotices } from './tokens';
import { Follow } from '../components/Follow';

/*
 * The panel's leak notice (loaded with the panel's views): the current
 * notebook's cells whose outputs hold Vault secret values, each cell a
 * button that shows it, each secret by name (never a value), "Clear those
 * outputs" and "Dismiss".
 */

/** The current notebook's leak notice, or nothing. */
export function LeakNotice(props: {
  notices: ILeakNotices;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { notices, trans } = props;
  const [model, setModel] = useState<LeakNoticeModel | null>(null);
  useEffect(() => {
    let mounted = true;
    void notices.model().then(loaded => mounted && setModel(loaded));
    return () => {
      mounted = false;
    };
  }, [notices]);
  if (!model) {
    return null;
  }
  return (
    <Follow signal={model.changed}>
      {() =>
        model.notice && (
          <LeakNoticeView notice={model.notice} model={model} trans={trans} />
        )
      }
    </Follow>
  );
}

/** One notice (see {@link LeakNotice}). */
export function LeakNoticeView(props: {
  notice: ILeakNotice;
  model: Pick<LeakNoticeModel, 'reveal' | 'clearOutputs' | 'dismiss'>;
  trans: TranslationBundle;
}): JSX.Element {
  const { notice, model, trans } = props;
  const titleId = useId();
  const count = notice.leaks.length;
  return (
    <section
      className="jp-VaultJwt-leaks"
      aria-labelledby={titleId}
      data-testid="vault-jwt-leaks"
      data-notebook={notice.notebookId}
    >
      <p id={titleId} className="jp-VaultJwt-errorSentence">
        {trans._n(
          'The outputs of %1 cell hold Vault secrets',
          'The outputs of %1 cells hold Vault secrets',
          count
        )}
      </p>
      <p className="jp-VaultJwt-muted">
        {trans.__(
          'In %1, saved before they were masked. Clear them, then save the notebook.',
          notice.notebook
        )}
      </p>
      <ul className="jp-VaultJwt-leakList">
        {notice.leaks.map(leak => (
          <li key={leak.cellId} data-cell={leak.index}>
            <button
              type="button"
              className="jp-VaultJwt-leakCell"
              title={trans.__('Show cell %1 in the notebook', leak.index + 1)}
              onClick={() => model.reveal(leak.cellId)}
            >
              {trans.__('Cell %1', leak.index + 1)}
            </button>
            {': '}
            {leak.secrets.map((secret, i) => (
              <React.Fragment key={secret}>
                {i > 0 && ', '}
                <code>{secret}</code>
              </React.Fragment>
            ))}
          </li>
        ))}
      </ul>
      <div className="jp-VaultJwt-errorActions jp-VaultJwt-actions">
        <button
          type="button"
          className="jp-mod-styled jp-VaultJwt-button"
          title={trans.__(
            'Clear the outputs of these cells (then save the notebook)'
          )}
          onClick={() => model.clearOutputs()}
        >
          {trans.__('Clear those outputs')}
        </button>
        <button
          type="button"
          className="jp-mod-styled jp-VaultJwt-button"
          title={trans.__(
            'Hide this notice (Scan this notebook for Vault secrets shows it again)'
          )}
          onClick={() => model.dismiss()}
        >
          {trans.__('Dismiss')}
        </button>
      </div>
    </section>
  );
}
