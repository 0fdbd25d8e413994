import { TranslationBundle } from '@jupyterlab/translation';
import {
  addBelowIcon,
  caretDownIcon,
  caretRightIcon
} from '@jupyterlab/ui-components';
import React, {
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState
} from 'react';

import { ICatalogState } from './model';
import { IManualPathActions } from './AddPathForm';
import { CatalogNotices } from './CatalogNotices';
import { RowMarker } from './RowMarker';
import { ICatalogNode, displayName, parseQuery } from './tree';
import { splitRuns, termRanges } from './highlight';
import { ICatalogMount } from '../tokens';
import { ProgressNote } from '../components/Card';

/** Height of every row (px): fixed, so row positions are arithmetic. */
export const ROW_HEIGHT = 24;

/** Rows rendered above and below the viewport. */
export const OVERSCAN = 8;

/** Viewport height (px) assumed until the scroll container is measured. */
export const DEFAULT_VIEWPORT = 240;

/**
 * The rows to render for a scroll position: the visible ones plus
 * {@link OVERSCAN} on each side.
 *
 * @param scrollTop the scroll container's `scrollTop`
 * @param viewportHeight its `clientHeight`
 * @param rowCount the number of rows
 * @returns the half-open range `[start, end)` of row positions
 */
export function rowWindow(
  scrollTop: number,
  viewportHeight: number,
  rowCount: number
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / ROW_HEIGHT);
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(
    rowCount,
    first + Math.ceil(viewportHeight / ROW_HEIGHT) + OVERSCAN
  );
  return { start, end };
}

/** Props of {@link SecretTree}. */
export interface ISecretTreeProps {
  /** The catalog model's snapshot. */
  state: ICatalogState;
  /** Translations. */
  trans: TranslationBundle;
  /** The search text changed. */
  onQuery: (query: string) => void;
  /** A row was clicked (focus it; toggle a folder or select a secret). */
  onRowClick: (id: string) => void;
  /** A key was pressed in the tree; returns whether the tree handled it. */
  onKey: (key: string) => boolean;
  /** Insert a snippet for a secret (the row's insert button). */
  onInsert: (id: string) => void;
  /** Why nothing can be inserted now (the insert buttons are disabled), or null. */
  insertDisabledReason: string | null;
  /** A secret row is being dragged: put what a drop inserts on the transfer. */
  onDragStart: (id: string, transfer: DataTransfer) => void;
  /** Add and forget secret paths by hand (the catalog model). */
  manual?: IManualPathActions;
}

/**
 * The tree of readable secrets: mounts, folders and secrets, with a search
 * box over every path. Virtualised: only the rows in view (plus a few) are
 * in the DOM, absolutely positioned in a spacer as tall as all rows. The
 * focus stays on the tree; the focused row is its `aria-activedescendant`.
 */
export function SecretTree(props: ISecretTreeProps): JSX.Element {
  const { state, trans } = props;
  const baseId = useId();
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(DEFAULT_VIEWPORT);

  // Measure the viewport, and again when the panel is resized.
  useEffect(() => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    const measure = () => {
      if (node.clientHeight > 0) {
        setViewport(node.clientHeight);
      }
    };
    measure();
    if (typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    return () => observer.disconnect();
  }, [state.index !== null]);

  // A new search starts at the top of its results.
  useLayoutEffect(() => {
    if (scroller.current) {
      scroller.current.scrollTop = 0;
    }
    setScrollTop(0);
  }, [state.query]);

  // Keep the focused row in view when it moves.
  const { activeRow } = state;
  useLayoutEffect(() => {
    const node = scroller.current;
    if (!node || activeRow < 0) {
      return;
    }
    const top = activeRow * ROW_HEIGHT;
    const height = node.clientHeight || viewport;
    if (top < node.scrollTop) {
      node.scrollTop = top;
      setScrollTop(top);
    } else if (top + ROW_HEIGHT > node.scrollTop + height) {
      node.scrollTop = top + ROW_HEIGHT - height;
      setScrollTop(node.scrollTop);
    }
  }, [activeRow]);

  const index = state.index;
  const rows = state.rows;
  const terms = parseQuery(state.query);
  const filtering = state.matches !== null;

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (
      event.key === 'ContextMenu' ||
      (event.key === 'F10' && event.shiftKey)
    ) {
      // The keyboard's context menu opens JupyterLab's menu for the focused
      // row (the browser's own event would target the tree, not the row).
      event.preventDefault();
      event.stopPropagation();
      openRowMenu(
        scroller.current,
        activeNode === undefined ? null : `${baseId}-${activeNode}`
      );
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (props.onKey(event.key)) {
      event.preventDefault();
      event.stopPropagation();
    }
  };

  const onSearchKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Escape' && state.query) {
      event.preventDefault();
      event.stopPropagation();
      props.onQuery('');
    } else if (event.key === 'ArrowDown') {
      event.preventDefault();
      scroller.current?.focus();
      if (state.activeRow < 0) {
        props.onKey('ArrowDown');
      }
    }
  };

  if (!state.available) {
    return (
      <section className="jp-VaultJwt-secrets" aria-label={trans.__('Secrets')}>
        <SecretsHeader trans={trans} />
        <p className="jp-VaultJwt-muted jp-VaultJwt-emptyNote">
          {trans.__('Log in to Vault to see the secrets you can read.')}
        </p>
      </section>
    );
  }

  let rendered: number[] = [];
  if (index) {
    const { start, end } = rowWindow(scrollTop, viewport, rows.nodes.length);
    for (let r = start; r < end; r++) {
      rendered.push(r);
    }
    if (activeRow >= 0 && (activeRow < start || activeRow >= end)) {
      // The focused row stays in the DOM so aria-activedescendant resolves.
      rendered =
        activeRow < start ? [activeRow, ...rendered] : [...rendered, activeRow];
    }
  }
  const activeNode =
    index && activeRow >= 0 ? rows.nodes[activeRow] : undefined;

  return (
    <section className="jp-VaultJwt-secrets" aria-label={trans.__('Secrets')}>
      <SecretsHeader trans={trans}>
        {index && (
          <span className="jp-VaultJwt-sectionAside" data-field="summary">
            {trans._n('%1 secret', '%1 secrets', index.total)}
            {' · '}
            {trans._n('%1 mount', '%1 mounts', index.mounts.size)}
          </span>
        )}
      </SecretsHeader>
      <input
        type="search"
        className="jp-VaultJwt-search"
        aria-label="Search secrets"
        placeholder={trans.__('Search all secret paths')}
        value={state.query}
        onChange={event => props.onQuery(event.currentTarget.value)}
        onKeyDown={onSearchKeyDown}
        spellCheck={false}
        autoComplete="off"
      />
      <ProgressNote>
        {state.loading && trans.__('Listing your readable secrets…')}
        {!state.loading &&
          filtering &&
          trans._n('%1 match', '%1 matches', state.matches ?? 0)}
      </ProgressNote>
      <CatalogNotices reply={state.reply} trans={trans} manual={props.manual} />
      {index && index.nodes.length === 0 && (
        <p className="jp-VaultJwt-muted jp-VaultJwt-emptyNote">
          {trans.__(
            'No secret store (KV mount) is visible to you. Ask your administrator for access.'
          )}
        </p>
      )}
      {index && (
        <div
          ref={scroller}
          className="jp-VaultJwt-treeScroll"
          role="tree"
          aria-label={trans.__('Readable secrets')}
          aria-activedescendant={
            activeNode === undefined ? undefined : `${baseId}-${activeNode}`
          }
          tabIndex={0}
          data-testid="vault-jwt-tree"
          onKeyDown={onKeyDown}
          onScroll={event => setScrollTop(event.currentTarget.scrollTop)}
        >
          <div
            className="jp-VaultJwt-treeSpacer"
            style={{ height: rows.nodes.length * ROW_HEIGHT }}
          >
            {rendered.map(row => {
              const nodeIndex = rows.nodes[row];
              const node = index.nodes[nodeIndex];
              return (
                <TreeRow
                  key={node.id}
                  id={`${baseId}-${nodeIndex}`}
                  node={node}
                  row={row}
                  mount={
                    node.kind === 'mount'
                      ? index.mounts.get(nodeIndex)
                      : undefined
                  }
                  count={
                    state.matchCounts
                      ? state.matchCounts[nodeIndex]
                      : node.count
                  }
                  expanded={rows.expanded[row]}
                  active={row === activeRow}
                  selected={node.id === state.selected}
                  terms={terms}
                  trans={trans}
                  onClick={props.onRowClick}
                  onInsert={props.onInsert}
                  insertDisabledReason={props.insertDisabledReason}
                  onDragStart={props.onDragStart}
                />
              );
            })}
          </div>
        </div>
      )}
      {index && filtering && state.matches === 0 && (
        <p className="jp-VaultJwt-muted jp-VaultJwt-emptyNote">
          {trans.__('No readable secret path matches the search.')}
        </p>
      )}
    </section>
  );
}

/** The Secrets section's title line, like JupyterLab's sidebar sections. */
function SecretsHeader(props: {
  trans: TranslationBundle;
  children?: React.ReactNode;
}): JSX.Element {
  return (
    <header className="jp-VaultJwt-sectionHeader">
      <h2 className="jp-VaultJwt-sectionTitle">{props.trans.__('Secrets')}</h2>
      {props.children}
    </header>
  );
}

/** Props of {@link TreeRow}. */
interface ITreeRowProps {
  id: string;
  node: ICatalogNode;
  row: number;
  mount: ICatalogMount | undefined;
  count: number;
  expanded: boolean;
  active: boolean;
  selected: boolean;
  terms: readonly string[];
  trans: TranslationBundle;
  onClick: (id: string) => void;
  onInsert: (id: string) => void;
  insertDisabledReason: string | null;
  onDragStart: (id: string, transfer: DataTransfer) => void;
}

/**
 * One row: caret, name (as text), badges; a secret row also has an insert
 * button and can be dragged onto a cell.
 */
function TreeRow(props: ITreeRowProps): JSX.Element {
  const { node, mount, trans } = props;
  const isFolder = node.kind !== 'secret';
  const classes = [
    'jp-VaultJwt-row',
    `jp-VaultJwt-row-${node.kind}`,
    isFolder ? '' : 'jp-VaultJwt-secretItem',
    props.active ? 'jp-mod-active' : '',
    props.selected ? 'jp-mod-selected' : ''
  ].join(' ');
  const Caret = props.expanded ? caretDownIcon : caretRightIcon;
  return (
    <div
      id={props.id}
      role="treeitem"
      className={classes}
      style={{
        top: props.row * ROW_HEIGHT,
        height: ROW_HEIGHT,
        paddingLeft: 4 + (node.level - 1) * 14
      }}
      aria-level={node.level}
      aria-setsize={node.setSize}
      aria-posinset={node.posInSet}
      aria-expanded={isFolder ? props.expanded : undefined}
      aria-selected={props.selected}
      data-path={node.id}
      data-kind={node.kind}
      data-unlisted={node.unlisted ? 'true' : undefined}
      title={node.id}
      onClick={() => props.onClick(node.id)}
      draggable={!isFolder}
      onDragStart={
        isFolder
          ? undefined
          : event => {
              event.dataTransfer.effectAllowed = 'copy';
              props.onDragStart(node.id, event.dataTransfer);
            }
      }
    >
      <span className="jp-VaultJwt-caret" aria-hidden="true">
        {isFolder && <Caret.react tag="span" />}
      </span>
      <span className="jp-VaultJwt-rowName">
        <Highlighted text={displayName(node.name)} terms={props.terms} />
      </span>
      {mount && (
        <span
          className="jp-VaultJwt-badge"
          title={
            mount.description
              ? trans.__('KV version %1: %2', mount.version, mount.description)
              : trans.__('KV version %1', mount.version)
          }
        >
          {`v${mount.version}`}
        </span>
      )}
      <RowMarker marker={node.marker} trans={trans} />
      {node.unlisted && (
        <span
          className="jp-VaultJwt-badge jp-VaultJwt-unlisted"
          title={trans.__(
            'You may read this secret, but Vault does not list it to you: it was found through access to this exact path.'
          )}
        >
          {trans.__('not listed')}
        </span>
      )}
      {mount?.error && (
        <span
          className="jp-VaultJwt-rowError"
          data-code={mount.error.code}
          title={mount.error.message}
        >
          {mount.error.message}
        </span>
      )}
      {isFolder && (
        <span
          className="jp-VaultJwt-count"
          title={trans.__('Readable secrets in here')}
        >
          {props.count}
        </span>
      )}
      {!isFolder && (
        <InsertButton
          label={trans.__('Insert a snippet that reads %1', node.id)}
          disabledReason={props.insertDisabledReason}
          onInsert={() => props.onInsert(node.id)}
        />
      )}
    </div>
  );
}

/**
 * Open the context menu of a row from the keyboard: a `contextmenu` event
 * from the row, at its position (JupyterLab's menu takes the focus).
 */
function openRowMenu(tree: HTMLElement | null, rowId: string | null): void {
  const row = rowId ? document.getElementById(rowId) : null;
  if (!tree || !row) {
    return;
  }
  const rect = row.getBoundingClientRect();
  row.dispatchEvent(
    new MouseEvent('contextmenu', {
      bubbles: true,
      cancelable: true,
      clientX: rect.left + 24,
      clientY: rect.top + rect.height / 2,
      button: 2
    })
  );
}

/** A name with the search terms marked (`<mark>`). */
function Highlighted(props: {
  text: string;
  terms: readonly string[];
}): JSX.Element {
  const ranges = props.terms.length ? termRanges(props.text, props.terms) : [];
  if (ranges.length === 0) {
    return <>{props.text}</>;
  }
  return (
    <>
      {splitRuns(props.text, ranges).map((run, i) =>
        run.marked ? (
          <mark key={i} className="jp-VaultJwt-match">
            {run.text}
          </mark>
        ) : (
          <React.Fragment key={i}>{run.text}</React.Fragment>
        )
      )}
    </>
  );
}

/**
 * The insert action of a secret or key row: a small button that does not
 * take the focus (the row's Enter does the same from the keyboard).
 */
export function InsertButton(props: {
  label: string;
  disabledReason: string | null;
  onInsert: () => void;
}): JSX.Element {
  return (
    <button
      type="button"
      className="jp-VaultJwt-rowInsert"
      tabIndex={-1}
      aria-label={props.label}
      title={props.disabledReason ?? props.label}
      disabled={props.disabledReason !== null}
      onClick={event => {
        event.stopPropagation();
        props.onInsert();
      }}
    >
      <addBelowIcon.react tag="span" />
    </button>
  );
}
