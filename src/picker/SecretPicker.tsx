import { TranslationBundle } from '@jupyterlab/translation';
import { caretDownIcon, HTMLSelect } from '@jupyterlab/ui-components';
import React, { useEffect, useId, useRef, useState } from 'react';

import { displayName } from '../catalog/tree';
import { IPickerItem, IPickerState, matchPositions } from './model';
import { ITemplateChoice } from '../catalog/secretActions';
import { ErrorNote } from '../components/Card';

/** Props of {@link SecretPicker}. */
export interface ISecretPickerProps {
  /** The picker model's snapshot. */
  state: IPickerState;
  /** Translations. */
  trans: TranslationBundle;
  /** Where the snippet goes (`Untitled.ipynb · Python (hvac) · new cell below`), or null. */
  destination: string | null;
  /** Why nothing can be inserted (no notebook, not logged in, no template), or null. */
  notice: string | null;
  /** The notice offers a Log in button (not logged in to Vault). */
  offerLogin?: boolean;
  /** Whether Copy snippet is offered (a kernel language and template). */
  canCopySnippet?: boolean;
  /** A copy action (the Copy menu) or Log in was chosen. */
  onAction?: (
    action: 'copy-path' | 'copy-cli' | 'copy-snippet' | 'login'
  ) => void;
  /** The templates offered for the kernel's language. */
  templates: readonly ITemplateChoice[];
  /** The chosen template id. */
  template: string | null;
  /** A template was chosen. */
  onTemplate: (id: string) => void;
  /** The search text changed. */
  onQuery: (query: string) => void;
  /** Move the highlight by rows. */
  onMove: (delta: number) => void;
  /** Highlight a row (hover). */
  onHover: (row: number) => void;
  /** A row was clicked: insert it. */
  onChoose: (row: number) => void;
}

/**
 * The "Insert Vault secret…" picker: a search box (combobox) over a list of
 * matching secrets and keys (listbox). Arrow keys move the highlight; Enter
 * (handled by the dialog around it) inserts the highlighted row.
 */
export function SecretPicker(props: ISecretPickerProps): JSX.Element {
  const { state, trans } = props;
  const baseId = useId();
  const list = useRef<HTMLUListElement>(null);
  const query = state.query.trim().replace(/\s+/g, ' ');

  // Keep the highlighted row in view.
  useEffect(() => {
    const node = list.current?.querySelector<HTMLElement>(
      '[aria-selected="true"]'
    );
    node?.scrollIntoView?.({ block: 'nearest' });
  }, [state.active]);

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: 10,
      PageUp: -10
    };
    const delta = moves[event.key];
    if (delta !== undefined) {
      event.preventDefault();
      props.onMove(delta);
    }
  };

  const listId = `${baseId}-list`;
  return (
    <div className="jp-VaultJwt-picker" data-testid="vault-jwt-picker">
      <p className="jp-VaultJwt-muted" data-field="destination">
        {props.destination ?? trans.__('Nowhere to insert yet.')}
      </p>
      {props.notice && (
        <div className="jp-VaultJwt-hint jp-VaultJwt-pickerNotice" role="note">
          <p>{props.notice}</p>
          {props.offerLogin && (
            <button
              type="button"
              className="jp-mod-styled jp-mod-accept jp-VaultJwt-button"
              onClick={() => props.onAction?.('login')}
            >
              {trans.__('Log in')}
            </button>
          )}
        </div>
      )}
      <input
        className="jp-VaultJwt-search jp-VaultJwt-pickerSearch"
        type="text"
        role="combobox"
        aria-label={trans.__('Search secrets and keys')}
        aria-expanded={true}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={
          state.active >= 0 ? `${baseId}-${state.active}` : undefined
        }
        placeholder={trans.__('Type part of a secret path or key name')}
        value={state.query}
        onChange={event => props.onQuery(event.currentTarget.value)}
        onKeyDown={onKeyDown}
        spellCheck={false}
        autoComplete="off"
      />
      <p className="jp-VaultJwt-muted" aria-live="polite" data-field="matches">
        {state.total === 0
          ? trans.__('No readable secrets are listed yet.')
          : query
            ? trans._n('%1 match', '%1 matches', state.matches)
            : trans._n(
                '%1 readable secret',
                '%1 readable secrets',
                state.total
              )}
        {state.matches > state.items.filter(item => !item.child).length &&
          ' ' + trans.__('(type more to narrow them down)')}
      </p>
      <ul
        ref={list}
        id={listId}
        role="listbox"
        className="jp-VaultJwt-pickerList"
        aria-label={trans.__('Matching secrets')}
      >
        {state.items.map((item, row) => (
          <PickerRow
            key={`${item.child ? 'c' : 'r'}:${item.id}\u0000${item.key ?? ''}`}
            id={`${baseId}-${row}`}
            item={item}
            query={query}
            active={row === state.active}
            trans={trans}
            onHover={() => props.onHover(row)}
            onChoose={() => props.onChoose(row)}
          />
        ))}
      </ul>
      <PickerKeysNote state={state} trans={trans} />
      {(props.templates.length > 1 || state.items.length > 0) && (
        <div className="jp-VaultJwt-pickerFooter">
          {props.templates.length > 1 && (
            <label className="jp-VaultJwt-pickerTemplate">
              <span>{trans.__('Template')}</span>
              <HTMLSelect
                aria-label={trans.__('Snippet template')}
                value={props.template ?? ''}
                onChange={event => props.onTemplate(event.currentTarget.value)}
                options={props.templates.map(choice => ({
                  label: choice.label,
                  value: choice.id
                }))}
              />
            </label>
          )}
          {state.items.length > 0 && props.onAction && (
            <CopyMenu
              trans={trans}
              canCopySnippet={props.canCopySnippet ?? false}
              disabled={state.active < 0}
              onAction={props.onAction}
            />
          )}
        </div>
      )}
    </div>
  );
}

/**
 * The copy actions of the highlighted secret, in a menu (Insert is the
 * dialog's one primary action): a button that opens a list of menu items;
 * arrows move, Enter or Space chooses, Escape closes.
 */
function CopyMenu(props: {
  trans: TranslationBundle;
  canCopySnippet: boolean;
  disabled: boolean;
  onAction: (action: 'copy-path' | 'copy-cli' | 'copy-snippet') => void;
}): JSX.Element {
  const { trans } = props;
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const items = useRef<(HTMLButtonElement | null)[]>([]);
  const toggle = useRef<HTMLButtonElement>(null);
  const actions: ['copy-path' | 'copy-cli' | 'copy-snippet', string][] = [
    ['copy-path', trans.__('Copy path')],
    ['copy-cli', trans.__('Copy CLI command')]
  ];
  if (props.canCopySnippet) {
    actions.push(['copy-snippet', trans.__('Copy snippet')]);
  }
  useEffect(() => {
    if (open) {
      items.current[0]?.focus();
    }
  }, [open]);
  const move = (event: React.KeyboardEvent, delta: number) => {
    event.preventDefault();
    const nodes = items.current.filter(Boolean) as HTMLButtonElement[];
    const at = nodes.indexOf(document.activeElement as HTMLButtonElement);
    nodes[(at + delta + nodes.length) % nodes.length]?.focus();
  };
  return (
    <div
      className="jp-VaultJwt-copyMenu"
      onKeyDown={event => {
        if (!open) {
          return;
        }
        if (event.key === 'ArrowDown') {
          move(event, 1);
        } else if (event.key === 'ArrowUp') {
          move(event, -1);
        }
      }}
    >
      <button
        ref={toggle}
        type="button"
        className="jp-mod-styled jp-VaultJwt-button jp-VaultJwt-copyToggle"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={props.disabled}
        data-menu-toggle="true"
        onClick={() => setOpen(!open)}
      >
        {trans.__('Copy…')}
        <caretDownIcon.react tag="span" className="jp-VaultJwt-copyCaret" />
      </button>
      {open && (
        <div
          id={menuId}
          role="menu"
          className="jp-VaultJwt-copyItems"
          aria-label={trans.__('Copy')}
        >
          {actions.map(([action, label], i) => (
            <button
              key={action}
              ref={node => {
                items.current[i] = node;
              }}
              type="button"
              role="menuitem"
              className="jp-VaultJwt-copyItem"
              tabIndex={-1}
              onClick={() => {
                setOpen(false);
                props.onAction(action);
              }}
            >
              {label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** One row: the path (and key) with the matched characters marked. */
function PickerRow(props: {
  id: string;
  item: IPickerItem;
  query: string;
  active: boolean;
  trans: TranslationBundle;
  onHover: () => void;
  onChoose: () => void;
}): JSX.Element {
  const { item, query, trans } = props;
  const label = item.child
    ? trans.__('key %1 of %2', item.key ?? '', item.id)
    : item.key === null
      ? item.id
      : trans.__('%1, key %2', item.id, item.key);
  return (
    <li
      id={props.id}
      role="option"
      aria-selected={props.active}
      aria-label={label}
      className={
        'jp-VaultJwt-pickerRow' +
        (props.active ? ' jp-mod-active' : '') +
        (item.child ? ' jp-VaultJwt-pickerChild' : '')
      }
      data-id={item.id}
      data-key={item.key ?? undefined}
      title={label}
      onMouseMove={props.active ? undefined : props.onHover}
      onMouseDown={event => event.preventDefault()}
      onClick={props.onChoose}
    >
      {item.child ? (
        <span className="jp-VaultJwt-pickerKey">
          {'↳ '}
          <Marked text={item.key ?? ''} query={query} />
        </span>
      ) : (
        <>
          <span className="jp-VaultJwt-pickerPath">
            <Marked text={item.id} query={query} />
          </span>
          {item.key !== null && (
            <span className="jp-VaultJwt-pickerKey">
              <Marked text={item.key} query={query} />
            </span>
          )}
        </>
      )}
    </li>
  );
}

/**
 * `text` shown safely (see `displayName`), the query's characters marked.
 * Matching runs on the raw text; positions map one to one only for visible
 * characters, so a name with invisible ones is shown without marks.
 */
function Marked(props: { text: string; query: string }): JSX.Element {
  const shown = displayName(props.text);
  if (shown !== props.text || !props.query) {
    return <>{shown}</>;
  }
  const positions = new Set(matchPositions(props.query, props.text));
  if (positions.size === 0) {
    return <>{shown}</>;
  }
  const parts: JSX.Element[] = [];
  let run = '';
  let marked = false;
  const flush = (key: number) => {
    if (run) {
      parts.push(
        marked ? (
          <mark key={key}>{run}</mark>
        ) : (
          <React.Fragment key={key}>{run}</React.Fragment>
        )
      );
    }
  };
  for (let i = 0; i < shown.length; i++) {
    const isMarked = positions.has(i);
    if (isMarked !== marked) {
      flush(i);
      run = '';
      marked = isMarked;
    }
    run += shown[i];
  }
  flush(shown.length);
  return <>{parts}</>;
}

/** Progress or failure of reading the highlighted secret's keys. */
function PickerKeysNote(props: {
  state: IPickerState;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { state, trans } = props;
  const item = state.active >= 0 ? state.items[state.active] : undefined;
  const keys = item ? state.keys.get(item.id) : undefined;
  if (!keys) {
    return null;
  }
  if (keys.loading) {
    return (
      <p className="jp-VaultJwt-muted" aria-live="polite">
        {trans.__('Reading the key names…')}
      </p>
    );
  }
  return keys.error ? <ErrorNote error={keys.error} /> : null;
}
