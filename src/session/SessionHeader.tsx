import { TranslationBundle } from '@jupyterlab/translation';
import {
  caretDownIcon,
  caretRightIcon,
  refreshIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import React, { useId } from 'react';

import { formatDuration } from '../components/format';
import { loginIcon, logoutIcon } from '../icons';
import { IConnectionView, phaseLabel, ProblemOrigin } from './connection';
import { plainError } from './messages';
import { SecurityNoteList } from './SecurityNoteList';
import { ISecurityNote } from './securityNotes';

/** Props of {@link SessionHeader}. */
export interface ISessionHeaderProps {
  /** The connection as the panel shows it. */
  view: IConnectionView;
  /** Seconds left on the Vault token (logged in), else on the id_token, or null. */
  secondsLeft: number | null;
  /** Whether the details are shown. */
  expanded: boolean;
  /** Show or hide the details. */
  onToggle: () => void;
  /** The hub's home page (to log in again there), or null outside JupyterHub. */
  hubHomeUrl: string | null;
  /** The security notes shown under the summary (details open or not). */
  notes?: readonly ISecurityNote[];
  /** Write the session's token into the token file (a note's action). */
  onUseTokenFile?: () => void;
  /** Whether a list of secrets read before is still shown. */
  keptList?: boolean;
  /** Whether the catalog can be reloaded now, and whether it is loading. */
  canReload: boolean;
  reloading: boolean;
  /** Translations. */
  trans: TranslationBundle;
  /** The commands behind the buttons. */
  onLogin: () => void;
  onLogout: () => void;
  onReload: () => void;
  /** Retry what failed. */
  onRetry: (origin: ProblemOrigin) => void;
  /** The details (identity, Vault, extra components). */
  children?: React.ReactNode;
}

/**
 * The top of the panel, like the file browser's: a toolbar (one Log in /
 * Log out button following the state, then icon buttons), one summary line
 * (who, the Vault state and policies, the time left) that opens the
 * details, the security notes (plain http, TLS verification off, a token
 * file not ours) and the one current problem with its action.
 */
export function SessionHeader(props: ISessionHeaderProps): JSX.Element {
  const { view, trans } = props;
  const detailsId = useId();
  const { button } = view;
  const Caret = props.expanded ? caretDownIcon : caretRightIcon;
  return (
    <div className="jp-VaultJwt-session" data-testid="vault-jwt-session">
      <div
        className="jp-VaultJwt-toolbar"
        role="group"
        aria-label={trans.__('Vault session')}
      >
        <div className="jp-VaultJwt-toolbarItem jp-VaultJwt-sessionButton">
          {button.action === 'login' ? (
            <ToolbarButtonComponent
              icon={loginIcon}
              label={button.busy ? trans.__('Logging in…') : trans.__('Log in')}
              tooltip={trans.__('Log in to Vault with your id_token')}
              enabled={button.enabled}
              onClick={props.onLogin}
            />
          ) : (
            <ToolbarButtonComponent
              icon={logoutIcon}
              label={
                button.busy ? trans.__('Logging out…') : trans.__('Log out')
              }
              tooltip={trans.__(
                'Revoke the Vault token; no automatic log in until you log in again'
              )}
              enabled={button.enabled}
              onClick={props.onLogout}
            />
          )}
        </div>
        <span className="jp-VaultJwt-toolbarSpacer" />
        <div className="jp-VaultJwt-toolbarItem">
          <ToolbarButtonComponent
            icon={refreshIcon}
            tooltip={
              props.reloading
                ? trans.__('Reloading catalog…')
                : trans.__(
                    'Reload catalog: list your readable secrets again, bypassing the server cache'
                  )
            }
            enabled={props.canReload}
            onClick={props.onReload}
          />
        </div>
      </div>
      <button
        type="button"
        className="jp-VaultJwt-summary"
        aria-expanded={props.expanded}
        aria-controls={detailsId}
        data-testid="vault-jwt-summary"
        data-phase={view.phase}
        onClick={props.onToggle}
        title={
          props.expanded
            ? trans.__('Hide the identity and Vault details')
            : trans.__('Show the identity and Vault details')
        }
      >
        <Caret.react tag="span" className="jp-VaultJwt-summaryCaret" />
        <span className="jp-VaultJwt-summaryText">
          {view.who && (
            <span className="jp-VaultJwt-summaryWho">{view.who}</span>
          )}
          <span
            className={`jp-VaultJwt-summaryState jp-VaultJwt-phase-${view.phase}`}
          >
            {phaseLabel(view.phase, trans)}
          </span>
          {view.policies.length > 0 && (
            <span className="jp-VaultJwt-summaryPolicies" data-field="policies">
              {view.policies.join(', ')}
            </span>
          )}
          {props.secondsLeft !== null && (
            <span
              className="jp-VaultJwt-summaryTime"
              data-field="time-left"
              title={trans.__('Time left on the session')}
            >
              {props.secondsLeft > 0
                ? trans.__('%1 left', formatDuration(props.secondsLeft))
                : trans.__('expired')}
            </span>
          )}
        </span>
      </button>
      <SecurityNoteList
        notes={props.notes ?? []}
        trans={trans}
        onUseTokenFile={() => props.onUseTokenFile?.()}
      />
      {view.problem && (
        <ProblemNote
          origin={view.problem.origin}
          error={view.problem.error}
          hubHomeUrl={props.hubHomeUrl}
          trans={trans}
          onRetry={props.onRetry}
          onLogin={props.onLogin}
          canLogin={button.action === 'login' && button.enabled}
          keptList={props.keptList ?? false}
        />
      )}
      <div
        id={detailsId}
        className="jp-VaultJwt-details"
        hidden={!props.expanded}
        data-testid="vault-jwt-details"
      >
        {props.children}
      </div>
    </div>
  );
}

/** Props of {@link ProblemNote}. */
interface IProblemNoteProps {
  origin: ProblemOrigin;
  error: { code: string; message: string };
  hubHomeUrl: string | null;
  trans: TranslationBundle;
  onRetry: (origin: ProblemOrigin) => void;
  onLogin: () => void;
  canLogin: boolean;
  keptList: boolean;
}

/**
 * The one current problem: a plain sentence, one action, and the server's
 * code and message folded under "Details for your administrator".
 */
export function ProblemNote(props: IProblemNoteProps): JSX.Element {
  const { error, origin, trans } = props;
  const plain = plainError(error, trans);
  let action: JSX.Element | null = null;
  if (plain.action === 'hub' && props.hubHomeUrl) {
    action = (
      <a
        className="jp-VaultJwt-link"
        href={props.hubHomeUrl}
        target="_blank"
        rel="noopener noreferrer"
      >
        {trans.__('Log in again at the hub')}
      </a>
    );
  } else if (plain.action === 'login' && props.canLogin) {
    action = (
      <button
        type="button"
        className="jp-mod-styled jp-VaultJwt-button"
        onClick={props.onLogin}
      >
        {trans.__('Log in again')}
      </button>
    );
  } else if (plain.action !== null) {
    action = (
      <button
        type="button"
        className="jp-mod-styled jp-VaultJwt-button"
        onClick={() => props.onRetry(origin)}
      >
        {trans.__('Retry')}
      </button>
    );
  }
  return (
    <div
      className="jp-VaultJwt-error"
      role="alert"
      data-code={error.code}
      data-origin={origin}
      data-testid="vault-jwt-problem"
    >
      <p className="jp-VaultJwt-errorSentence">{plain.sentence}</p>
      {origin !== 'identity' && props.keptList && (
        <p className="jp-VaultJwt-muted">
          {trans.__('The list below is the last one that was read.')}
        </p>
      )}
      {origin === 'identity' && (
        <p className="jp-VaultJwt-muted">
          {trans.__('The last sign-in token read is still shown.')}
        </p>
      )}
      {action && <div className="jp-VaultJwt-errorActions">{action}</div>}
      <details className="jp-VaultJwt-adminDetails">
        <summary>{trans.__('Details for your administrator')}</summary>
        <p>
          {trans.__('Code: ')}
          <code>{error.code}</code>
        </p>
        <p className="jp-VaultJwt-adminMessage">{error.message}</p>
      </details>
    </div>
  );
}
