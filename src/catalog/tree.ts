import {
  ICatalogMount,
  ICatalogReply,
  ISecretKeysReply,
  SecretState
} from '../tokens';

/*
 * The catalog of readable secrets as a tree, in pure functions: the index,
 * the search filter, the visible rows and the keyboard. No state and no React:
 * CatalogModel (model.ts) holds the state, SecretTree.tsx renders it.
 */

/** The catalog routes of the server companion (`VaultClient` in the app). */
export interface ICatalogClient {
  /** `GET vault-jwt/vault/catalog[?refresh=true]` */
  catalog(refresh: boolean): Promise<ICatalogReply>;
  /** `GET vault-jwt/vault/secret/keys?mount=…&path=…` */
  secretKeys(mount: string, path: string): Promise<ISecretKeysReply>;
  /** `POST vault-jwt/vault/catalog/manual?mount=…&path=…`: add a path by hand. */
  addManualPath?(mount: string, path: string): Promise<unknown>;
  /** `DELETE vault-jwt/vault/catalog/manual?mount=…&path=…`: forget one. */
  removeManualPath?(mount: string, path: string): Promise<unknown>;
}

/**
 * Split a full path typed by the user (`secret/team/db`, or
 * `secret/data/team/db` for KV v2) into its mount and its path.
 *
 * @param text what the user typed
 * @param mounts the mounts of the catalog (with their KV versions)
 * @returns the mount and the path, or null when no mount of the catalog
 *   starts it
 */
export function splitSecretPath(
  text: string,
  mounts: Iterable<{ path: string; version: number }>
): { mount: string; path: string } | null {
  let best: { path: string; version: number } | null = null;
  for (const mount of mounts) {
    const name = mount.path.endsWith('/') ? mount.path : `${mount.path}/`;
    if (text.startsWith(name) && (!best || name.length > best.path.length)) {
      best = { path: name, version: mount.version };
    }
  }
  if (!best) {
    return null;
  }
  let path = text.slice(best.path.length);
  if (best.version === 2 && path.startsWith('data/')) {
    path = path.slice('data/'.length);
  }
  return path && !path.endsWith('/') ? { mount: best.path, path } : null;
}

/**
 * What a secret row is marked with: its KV v2 state (latest version deleted,
 * destroyed, or no data), `unchecked` (listed, read access not checked) or
 * `manual` (added by hand, not found by listing).
 */
export type SecretMarker = SecretState | 'unchecked' | 'manual';

/** What a tree node stands for. */
export type CatalogNodeKind = 'mount' | 'folder' | 'secret';

/** One node of the tree (a mount, a folder or a secret). */
export interface ICatalogNode {
  /**
   * The full path, unique in the tree: `secret/` (mount), `secret/app/`
   * (folder, ends with `/`) or `secret/app/db` (secret).
   */
  readonly id: string;
  /** Mount, folder or secret. */
  readonly kind: CatalogNodeKind;
  /** The last segment (the mount path for a mount), exactly as in Vault. */
  readonly name: string;
  /** Depth, 1 for mounts (ARIA `aria-level`). */
  readonly level: number;
  /** Index of the parent node, -1 for mounts. */
  readonly parent: number;
  /** Index just past the node's subtree (the nodes are in pre-order). */
  readonly end: number;
  /** Index of the node's mount. */
  readonly mount: number;
  /** Path relative to the mount (`''` for a mount; folders end with `/`). */
  readonly path: string;
  /** Readable secrets in the subtree (1 for a secret). */
  readonly count: number;
  /** A secret readable by an exact-path grant, but not listable. */
  readonly unlisted: boolean;
  /** A secret's marker, or null (folders, mounts, ordinary secrets). */
  readonly marker: SecretMarker | null;
  /** 1-based position among its siblings (ARIA `aria-posinset`). */
  readonly posInSet: number;
  /** Number of siblings including itself (ARIA `aria-setsize`). */
  readonly setSize: number;
}

/**
 * The tree of one catalog, built once per catalog reply: nodes in pre-order
 * (so a collapsed subtree is skipped in one step) and the lowercased full
 * path of every secret (so filtering does no allocation per keystroke).
 */
export interface ICatalogIndex {
  /** Every node in pre-order: mount, its folders and secrets, next mount... */
  readonly nodes: readonly ICatalogNode[];
  /** The catalog entry of each mount node, by node index. */
  readonly mounts: ReadonlyMap<number, ICatalogMount>;
  /** Node indices of the secrets, in tree order. */
  readonly secrets: Int32Array;
  /** Lowercased full path (`mount/path`) of each secret, parallel to `secrets`. */
  readonly haystack: readonly string[];
  /** Node index by id. */
  readonly byId: ReadonlyMap<string, number>;
  /** Parent node index of each node (-1 for mounts), for the filter's sums. */
  readonly parents: Int32Array;
  /** Index just past each node's subtree (`end`), for the row walk. */
  readonly ends: Int32Array;
  /** 1 for a secret node, 0 for a mount or folder. */
  readonly leaf: Uint8Array;
  /** Number of readable secrets in the catalog. */
  readonly total: number;
}

/** Where a secret path of the reply came from (listed wins). */
type Origin = 'listed' | 'unlisted' | 'unchecked' | 'manual';

interface ITrieFolder {
  folders: Map<string, ITrieFolder>;
  secrets: Map<string, Origin>;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Build the tree of a catalog reply. Secret paths are split on `/`; a path
 * that is both a secret and a folder (`a/b` and `a/b/c`) gives two nodes.
 *
 * @param reply the catalog as the server sent it
 * @returns the index, folders before secrets, each sorted by name
 */
export function buildCatalogIndex(reply: ICatalogReply): ICatalogIndex {
  const nodes: ICatalogNode[] = [];
  const mounts = new Map<number, ICatalogMount>();
  const secrets: number[] = [];
  const haystack: string[] = [];
  const byId = new Map<string, number>();

  const emit = (
    node: Omit<ICatalogNode, 'end' | 'count'>,
    children: () => number
  ): number => {
    const index = nodes.length;
    // Filled in once the subtree is emitted (built here, read-only after).
    const full = node as {
      -readonly [K in keyof ICatalogNode]: ICatalogNode[K];
    };
    nodes.push(full);
    byId.set(node.id, index);
    full.count = children();
    full.end = nodes.length;
    return full.count;
  };

  const walk = (
    folder: ITrieFolder,
    mountPath: string,
    prefix: string,
    level: number,
    parent: number,
    mount: number,
    states: Readonly<Record<string, SecretState>> | undefined
  ): number => {
    const folderNames = [...folder.folders.keys()].sort(compareNames);
    const secretNames = [...folder.secrets.keys()].sort(compareNames);
    const setSize = folderNames.length + secretNames.length;
    let count = 0;
    let position = 0;
    for (const name of folderNames) {
      const path = `${prefix}${name}/`;
      count += emit(
        {
          id: mountPath + path,
          kind: 'folder',
          name,
          level,
          parent,
          mount,
          path,
          unlisted: false,
          marker: null,
          posInSet: ++position,
          setSize
        },
        () =>
          walk(
            folder.folders.get(name)!,
            mountPath,
            path,
            level + 1,
            nodes.length - 1,
            mount,
            states
          )
      );
    }
    for (const name of secretNames) {
      const path = prefix + name;
      const id = mountPath + path;
      const origin = folder.secrets.get(name)!;
      secrets.push(nodes.length);
      haystack.push(id.toLowerCase());
      count += emit(
        {
          id,
          kind: 'secret',
          name,
          level,
          parent,
          mount,
          path,
          unlisted: origin === 'unlisted',
          marker:
            states?.[path] ??
            (origin === 'unchecked' || origin === 'manual' ? origin : null),
          posInSet: ++position,
          setSize
        },
        () => 1
      );
    }
    return count;
  };

  const seenMounts = new Set<string>();
  const visibleMounts = reply.mounts.filter(entry => {
    const path = mountPathOf(entry);
    if (seenMounts.has(path)) {
      return false;
    }
    seenMounts.add(path);
    return true;
  });
  visibleMounts.forEach((entry, position) => {
    const mountPath = mountPathOf(entry);
    const root: ITrieFolder = { folders: new Map(), secrets: new Map() };
    // Listed paths win over unlisted, unchecked and manual duplicates.
    for (const [list, origin] of [
      [entry.manual ?? [], 'manual'],
      [entry.unchecked ?? [], 'unchecked'],
      [entry.unlisted, 'unlisted'],
      [entry.secrets, 'listed']
    ] as const) {
      for (const secret of list) {
        addPath(root, secret, origin);
      }
    }
    const index = nodes.length;
    mounts.set(index, entry);
    emit(
      {
        id: mountPath,
        kind: 'mount',
        name: mountPath,
        level: 1,
        parent: -1,
        mount: index,
        path: '',
        unlisted: false,
        marker: null,
        posInSet: position + 1,
        setSize: visibleMounts.length
      },
      () => walk(root, mountPath, '', 2, index, index, entry.states)
    );
  });

  const parents = new Int32Array(nodes.length);
  const ends = new Int32Array(nodes.length);
  const leaf = new Uint8Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    parents[i] = node.parent;
    ends[i] = node.end;
    leaf[i] = node.kind === 'secret' ? 1 : 0;
  }
  return {
    nodes,
    mounts,
    secrets: Int32Array.from(secrets),
    haystack,
    byId,
    parents,
    ends,
    leaf,
    total: secrets.length
  };
}

function mountPathOf(entry: ICatalogMount): string {
  return entry.path.endsWith('/') ? entry.path : `${entry.path}/`;
}

function addPath(root: ITrieFolder, path: string, origin: Origin): void {
  if (!path || path.endsWith('/')) {
    return; // A folder, not a secret: nothing to read there.
  }
  const segments = path.split('/');
  const name = segments.pop()!;
  let folder = root;
  for (const segment of segments) {
    let next = folder.folders.get(segment);
    if (!next) {
      next = { folders: new Map(), secrets: new Map() };
      folder.folders.set(segment, next);
    }
    folder = next;
  }
  folder.secrets.set(name, origin);
}

/**
 * Split a search query into lowercased terms (all must match).
 *
 * @param query what the user typed
 * @returns the terms, empty when the query is blank
 */
export function parseQuery(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(term => term.length > 0);
}

/** The secrets matching a query, counted per subtree. */
export interface ICatalogFilter {
  /** The terms applied. */
  readonly terms: readonly string[];
  /** Matching secrets in each node's subtree, by node index. */
  readonly counts: Int32Array;
  /** Number of matching secrets. */
  readonly total: number;
  /** Positions (in the index's `secrets`) of the matching secrets, ascending. */
  readonly matched: Int32Array;
}

/**
 * Whether every path matching `next` also matches `previous`: each previous
 * term is part of some next term (typing on narrows the search).
 *
 * @param previous the terms of an earlier filter
 * @param next the new terms
 */
export function narrows(
  previous: readonly string[],
  next: readonly string[]
): boolean {
  return previous.every(term => next.some(other => other.includes(term)));
}

/**
 * Filter every secret of every mount at once: a secret matches when its
 * lowercased full path (`mount/path`) contains every term. O(secrets × terms)
 * substring tests plus one O(nodes) pass that sums counts up to the parents.
 *
 * @param index the catalog's index
 * @param terms lowercased terms from {@link parseQuery}
 * @returns the per-subtree match counts
 */
export function filterCatalog(
  index: ICatalogIndex,
  terms: readonly string[],
  previous: ICatalogFilter | null = null
): ICatalogFilter {
  const { nodes, secrets, haystack, parents } = index;
  const counts = new Int32Array(nodes.length);
  // Typing on: only the previous matches can still match.
  const narrowing =
    previous !== null &&
    previous.counts.length === nodes.length &&
    narrows(previous.terms, terms);
  const candidates = narrowing ? previous.matched : null;
  const limit = candidates ? candidates.length : secrets.length;
  const matched = new Int32Array(limit);
  let total = 0;
  for (let c = 0; c < limit; c++) {
    const k = candidates ? candidates[c] : c;
    const text = haystack[k];
    let match = true;
    for (let t = 0; t < terms.length; t++) {
      if (!text.includes(terms[t])) {
        match = false;
        break;
      }
    }
    if (match) {
      counts[secrets[k]] = 1;
      matched[total++] = k;
    }
  }
  if (narrowing && total === limit) {
    // The same secrets as before: the same counts (and the same rows).
    return { ...previous, terms };
  }
  // Pre-order: every child comes after its parent, so one reverse pass sums.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const parent = parents[i];
    if (counts[i] > 0 && parent >= 0) {
      counts[parent] += counts[i];
    }
  }
  return { terms, counts, total, matched: matched.subarray(0, total) };
}

/** The rows on screen (before virtualisation): node indices in order. */
export interface ITreeRows {
  /** Node index of each row. */
  readonly nodes: readonly number[];
  /** Whether each row's folder or mount is expanded (false for secrets). */
  readonly expanded: readonly boolean[];
}

/**
 * Flatten the tree into rows: a collapsed subtree is skipped in one step, and
 * with a filter only subtrees holding a match are visited.
 *
 * @param index the catalog's index
 * @param isExpanded whether the folder or mount at a node index is expanded
 * @param filter the active filter, or null
 * @returns the rows, in order
 */
export function visibleRows(
  index: ICatalogIndex,
  isExpanded: (node: number) => boolean,
  filter: ICatalogFilter | null
): ITreeRows {
  const { ends, leaf } = index;
  const n = ends.length;
  const counts = filter ? filter.counts : null;
  const rows: number[] = [];
  const expanded: boolean[] = [];
  let i = 0;
  while (i < n) {
    if (counts !== null && counts[i] === 0) {
      i = ends[i];
      continue;
    }
    rows.push(i);
    if (leaf[i] === 1) {
      expanded.push(false);
      i++;
      continue;
    }
    const open = isExpanded(i);
    expanded.push(open);
    i = open ? i + 1 : ends[i];
  }
  return { nodes: rows, expanded };
}

/** What a key press does in the tree. */
export type TreeAction =
  | { type: 'focus'; row: number }
  | { type: 'expand'; node: number }
  | { type: 'collapse'; node: number }
  | { type: 'toggle'; node: number }
  | { type: 'select'; node: number }
  | { type: 'insert'; node: number }
  | { type: 'none' };

/**
 * The WAI-ARIA tree pattern's keyboard behaviour.
 *
 * @param key `KeyboardEvent.key`
 * @param index the catalog's index
 * @param rows the visible rows
 * @param activeRow the focused row, or -1
 * @returns the action, `none` for a tree key with nothing to do, or null for
 *   a key the tree does not handle
 */
export function treeKeyAction(
  key: string,
  index: ICatalogIndex,
  rows: ITreeRows,
  activeRow: number
): TreeAction | null {
  const count = rows.nodes.length;
  const none: TreeAction = { type: 'none' };
  const handled = [
    'ArrowDown',
    'ArrowUp',
    'ArrowRight',
    'ArrowLeft',
    'Home',
    'End',
    'Enter',
    ' '
  ];
  if (!handled.includes(key)) {
    return null;
  }
  if (count === 0) {
    return none;
  }
  if (activeRow < 0 || activeRow >= count) {
    // Nothing focused yet (or it was filtered away): start at the top.
    return key === 'End'
      ? { type: 'focus', row: count - 1 }
      : { type: 'focus', row: 0 };
  }
  const nodeIndex = rows.nodes[activeRow];
  const node = index.nodes[nodeIndex];
  const isFolder = node.kind !== 'secret';
  switch (key) {
    case 'ArrowDown':
      return { type: 'focus', row: Math.min(activeRow + 1, count - 1) };
    case 'ArrowUp':
      return { type: 'focus', row: Math.max(activeRow - 1, 0) };
    case 'Home':
      return { type: 'focus', row: 0 };
    case 'End':
      return { type: 'focus', row: count - 1 };
    case 'ArrowRight':
      if (!isFolder) {
        return none;
      }
      if (!rows.expanded[activeRow]) {
        return { type: 'expand', node: nodeIndex };
      }
      if (
        activeRow + 1 < count &&
        index.nodes[rows.nodes[activeRow + 1]].parent === nodeIndex
      ) {
        return { type: 'focus', row: activeRow + 1 };
      }
      return none;
    case 'ArrowLeft': {
      if (isFolder && rows.expanded[activeRow]) {
        return { type: 'collapse', node: nodeIndex };
      }
      const parentRow = rowOfParent(index, rows, activeRow);
      return parentRow < 0 ? none : { type: 'focus', row: parentRow };
    }
    case 'Enter':
      // A secret's primary action: insert a snippet that reads it.
      return isFolder
        ? { type: 'toggle', node: nodeIndex }
        : { type: 'insert', node: nodeIndex };
    default:
      // Space.
      return isFolder
        ? { type: 'toggle', node: nodeIndex }
        : { type: 'select', node: nodeIndex };
  }
}

function rowOfParent(
  index: ICatalogIndex,
  rows: ITreeRows,
  row: number
): number {
  const parent = index.nodes[rows.nodes[row]].parent;
  if (parent < 0) {
    return -1;
  }
  for (let r = row - 1; r >= 0; r--) {
    if (rows.nodes[r] === parent) {
      return r;
    }
  }
  return -1;
}

/**
 * Control characters, bidi overrides and invisible separators (joiners, which
 * emoji and some scripts need, are kept).
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Make a name from Vault safe to show as text: control characters, bidi
 * overrides and invisible characters become visible (`↵` for a newline,
 * `⇥` for a tab, `\u{…}` otherwise); an empty name becomes `∅`. React
 * escapes the rest (quotes, `<`, backslashes are shown as they are).
 *
 * @param name a segment, path or key name as received
 * @returns the text to render (the exact value goes in a `title`)
 */
export function displayName(name: string): string {
  if (name === '') {
    return '∅';
  }
  return name.replace(INVISIBLE, char => {
    switch (char) {
      case '\n':
        return '↵';
      case '\r':
        return '␍';
      case '\t':
        return '⇥';
      default:
        return `\\u{${char.charCodeAt(0).toString(16).padStart(4, '0')}}`;
    }
  });
}
