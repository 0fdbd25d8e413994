import { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

/*
 * Add a secret path by hand, where policies grant reads that no listing
 * reaches; and forget one. The server checks the path is readable
 * (capabilities-self) and remembers it for the user.
 */

/** What the form asks of the catalog model. */
export interface IManualPathActions {
  /** Add a full path; rejects with a message to show. */
  addPath(text: string): Promise<void>;
  /** Forget a path added by hand (a node id). */
  removePath(id: string): Promise<void>;
}

/** The form, and the paths added so far (each with a Forget button). */
export function AddPathForm(props: {
  actions: IManualPathActions;
  added: readonly string[];
  trans: TranslationBundle;
}): JSX.Element {
  const { actions, added, trans } = props;
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await actions.addPath(text);
      setText('');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="jp-VaultJwt-addPath" data-testid="vault-jwt-add-path">
      <form
        onSubmit={event => {
          event.preventDefault();
          void submit();
        }}
      >
        <input
          type="text"
          aria-label={trans.__('Secret path to add by hand')}
          placeholder={trans.__('mount/path/of/secret')}
          value={text}
          spellCheck={false}
          autoComplete="off"
          onChange={event => setText(event.currentTarget.value)}
        />
        <button
          type="submit"
          className="jp-mod-styled"
          disabled={busy || !text.trim()}
        >
          {trans.__('Add')}
        </button>
      </form>
      {error && (
        <p className="jp-VaultJwt-error" role="alert">
          {error}
        </p>
      )}
      {added.length > 0 && (
        <ul aria-label={trans.__('Paths added by hand')}>
          {added.map(id => (
            <li key={id} data-path={id}>
              <code>{id}</code>{' '}
              <button
                type="button"
                className="jp-mod-styled"
                onClick={() =>
                  void actions.removePath(id).catch(e => setError(e.message))
                }
              >
                {trans.__('Forget')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
