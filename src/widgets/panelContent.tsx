import { ISignal } from '@lumino/signaling';
import '../../style/panel.css';
import React, { useEffect } from 'react';

import { ICatalogState, ISecretKeysState } from '../catalog/model';
import { SecretKeys } from '../catalog/SecretKeys';
import { SecretTree } from '../catalog/SecretTree';
import { IdentityCard } from '../identity/IdentityCard';
import { LeakNotice } from '../redaction/LeakNotice';
import { connectionView, ProblemOrigin } from '../session/connection';
import { securityNotes, stsSecurityNotes } from '../session/securityNotes';
import { SessionHeader } from '../session/SessionHeader';
import { SignInSection } from '../signin/SignIn';
import { S3Section } from '../s3/S3Card';
import { VaultCard } from '../vault/VaultCard';
import { PANEL_ID } from '../tokens';
import type { IVaultJwtPanelOptions } from './panel';
import { Follow } from '../components/Follow';

/*
 * The panel's views, loaded on first use (a separate chunk): the session
 * header, the identity and Vault details, the current notebook's leak notice
 * (redaction), the tree and the key names. Each
 * part re-renders on its own models' signals only (the countdowns tick
 * every second; the tree does not re-render with them).
 */

/** Props of {@link PanelContent}. */
export interface IPanelContentProps {
  /** The panel's options (models, translations, commands). */
  options: IVaultJwtPanelOptions;
  /** Whether the details are open (null: open while there is no id_token). */
  expanded: boolean | null;
  /** The details were opened or closed. */
  onExpanded: (expanded: boolean) => void;
  /** Extra content of the identity details (another feature's). */
  identitySlot: React.ReactNode;
}

/** Everything inside the panel. */
export function PanelContent(props: IPanelContentProps): JSX.Element {
  // Opened from the keyboard before the views were loaded: the panel node
  // holds the focus; hand it to the search box.
  useEffect(() => {
    const panel = document.getElementById(PANEL_ID);
    if (panel && document.activeElement === panel) {
      panel.querySelector<HTMLElement>('.jp-VaultJwt-search')?.focus();
    }
  }, []);
  return (
    <>
      {renderSession(props)}
      {props.options.leaks && (
        <LeakNotice notices={props.options.leaks} trans={props.options.trans} />
      )}
      {renderSecrets(props.options)}
    </>
  );
}

/** The session header: toolbar, summary, problem, details. */
function renderSession(props: IPanelContentProps): JSX.Element {
  const options = props.options;
  const { model, vault, catalog, trans, hubHomeUrl } = options;
  const { onRefresh, onCopy, onLogin, onLogout, onReload } = options;
  const signals: ISignal<unknown, unknown>[] = [
    model.stateChanged,
    model.ticked,
    vault.stateChanged,
    vault.ticked,
    catalog.stateChanged
  ];
  if (options.s3) {
    // Its security notes show under the summary.
    signals.push(options.s3.stateChanged);
  }
  const render = () => {
    const view = connectionView(model.state, vault, catalog.state);
    const vaultLeft = vault.countdown().secondsLeft;
    const idLeft = model.countdown().secondsLeft;
    const expanded =
      props.expanded ?? (!model.state.loading && model.state.claims === null);
    return (
      <SessionHeader
        view={view}
        secondsLeft={vault.loggedIn ? vaultLeft : idLeft}
        expanded={expanded}
        onToggle={() => props.onExpanded(!expanded)}
        hubHomeUrl={hubHomeUrl}
        notes={[
          ...securityNotes(vault.state, vault.canUseTokenFile),
          ...stsSecurityNotes(options.s3?.state.status ?? null)
        ]}
        onUseTokenFile={() => options.onUseTokenFile?.()}
        keptList={catalog.state.index !== null}
        canReload={catalog.canReload}
        reloading={catalog.state.loading}
        trans={trans}
        onLogin={onLogin}
        onLogout={onLogout}
        onReload={onReload}
        onRetry={origin => retry(options, origin)}
      >
        <IdentityCard
          state={model.state}
          countdown={model.countdown()}
          claims={model.settings.claims}
          trans={trans}
          onRefresh={onRefresh}
          onCopy={onCopy}
          slot={
            <>
              {options.signin && (
                <SignInSection model={options.signin} trans={trans} />
              )}
              {props.identitySlot}
            </>
          }
        />
        <VaultCard
          state={vault.state}
          countdown={vault.countdown()}
          trans={trans}
        />
        {options.s3 && (
          <S3Section
            model={options.s3}
            trans={trans}
            onRenew={options.onS3Renew ?? (() => void options.s3?.renew())}
            onRevoke={options.onS3Revoke ?? (() => void options.s3?.revoke())}
            onInsert={options.onS3Insert}
          />
        )}
      </SessionHeader>
    );
  };
  return signals.reduceRight<() => JSX.Element>(
    (inner, signal) => () => <Follow signal={signal}>{() => inner()}</Follow>,
    render
  )();
}

/** The tree and the selected secret's keys. */
function renderSecrets(options: IVaultJwtPanelOptions): JSX.Element {
  const { catalog, trans, inserter, onInsert, onDragStart } = options;
  return (
    <Follow signal={inserter.changed}>
      {() => (
        <Follow signal={catalog.stateChanged}>
          {() => {
            const disabled = inserter.target
              ? null
              : trans.__(
                  'Open a notebook or a code console to insert a snippet.'
                );
            const state = catalog.state;
            return (
              <>
                <SecretTree
                  state={state}
                  trans={trans}
                  onQuery={query => catalog.setQuery(query)}
                  onRowClick={id => catalog.click(id)}
                  onKey={key => catalog.handleKey(key)}
                  onInsert={id => onInsert(id, null)}
                  insertDisabledReason={disabled}
                  onDragStart={(id, transfer) =>
                    onDragStart(id, null, transfer)
                  }
                  manual={catalog}
                />
                <SecretKeys
                  keys={keysShown(state)}
                  trans={trans}
                  onInsert={onInsert}
                  insertDisabledReason={disabled}
                  onDragStart={onDragStart}
                />
              </>
            );
          }}
        </Follow>
      )}
    </Follow>
  );
}

/** Retry what failed: the id_token, the Vault session or the catalog. */
function retry(options: IVaultJwtPanelOptions, origin: ProblemOrigin): void {
  switch (origin) {
    case 'identity':
      options.onRefresh();
      break;
    case 'catalog':
      options.onReload();
      break;
    case 'vault':
      void options.vault.load();
      break;
  }
}

/**
 * The selected secret's keys, unless a search is on and the secret does not
 * match it (its key card goes away with its row).
 */
export function keysShown(state: ICatalogState): ISecretKeysState | null {
  const keys = state.keys;
  if (!keys || !state.matchCounts || !state.index) {
    return keys;
  }
  const node = state.index.byId.get(keys.id);
  return node !== undefined && state.matchCounts[node] > 0 ? keys : null;
}
