import { ICatalogMount, ICatalogReply } from '../tokens';

/*
 * The catalog reply as the server sends it (`format: "by-folder"`): each
 * path list of a mount grouped by folder, `{"a/b/": ["c", "d"]}`, so a
 * folder is sent once however many secrets it holds (the reply is gzipped
 * too). Turned back into plain path lists here, once per reply.
 */

/** A path list on the wire: plain, or grouped by folder. */
export type WirePaths = string[] | Record<string, string[]>;

/** A catalog mount on the wire. */
export type IWireMount = Omit<
  ICatalogMount,
  'secrets' | 'unlisted' | 'unchecked' | 'manual'
> & {
  secrets: WirePaths;
  unlisted: WirePaths;
  unchecked?: WirePaths;
  manual?: WirePaths;
};

/** A catalog reply on the wire. */
export type IWireCatalogReply = Omit<ICatalogReply, 'mounts'> & {
  format?: string;
  mounts: IWireMount[];
};

/**
 * A path list back from its wire form.
 *
 * @param paths plain or grouped by folder
 * @returns the paths, in the order sent
 */
export function joinPaths(paths: WirePaths | undefined): string[] {
  if (!paths) {
    return [];
  }
  if (Array.isArray(paths)) {
    return paths;
  }
  const out: string[] = [];
  for (const folder of Object.keys(paths)) {
    const names = paths[folder];
    for (let i = 0; i < names.length; i++) {
      out.push(folder + names[i]);
    }
  }
  return out;
}

/**
 * The catalog reply with plain path lists.
 *
 * @param wire the reply as sent
 */
export function decodeCatalogReply(wire: IWireCatalogReply): ICatalogReply {
  return {
    ...wire,
    mounts: wire.mounts.map(mount => ({
      ...mount,
      secrets: joinPaths(mount.secrets),
      unlisted: joinPaths(mount.unlisted),
      unchecked: joinPaths(mount.unchecked),
      manual: joinPaths(mount.manual)
    }))
  };
}
