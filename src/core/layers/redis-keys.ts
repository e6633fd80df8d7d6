/**
 * The Redis layer's key names. On a Redis Cluster every key that one command or script
 * touches together must hash to one slot, so the part that decides the slot is wrapped in
 * a hash tag (`{…}`: Redis hashes only what is inside the first pair of braces):
 *
 * | key                          | single Redis / Sentinel         | Cluster                             |
 * |------------------------------|---------------------------------|-------------------------------------|
 * | a process's list, or a plain channel's | `<prefix>:ch:<part>`  | `<prefix>:ch:{<part>}`              |
 * | a group's members            | `<prefix>:group:<group>`        | `<prefix>:group:{<group>}`          |
 * | a reader's wake-up list      | `<prefix>:wake:<node id>`       | `<prefix>:wake:{<part>}:<node id>`  |
 *
 * (`<part>` is a channel name up to and including `!`, e.g. `specific.3f9a0c1b22d4!`, or a
 * plain channel's whole name.) A reader's blocking pop names its part's list and its wake-up
 * list, which share the part's tag. The layer's other commands and scripts touch one key
 * each, and a group send reads the group's set and then pushes to each receiving process's
 * list separately, so nothing else needs a shared slot. Names cannot contain braces (see
 * `CHANNEL_NAME_RULE`), so a tag always ends where the name does.
 *
 * Single Redis and Sentinel keep the untagged names of earlier versions, so nodes of two
 * versions still reach each other during a rolling upgrade.
 */
export interface LayerKeys {
  /** The list of `part` (a process's local channels, or a plain channel). Untagged, `list("")` is every list's prefix. */
  list(part: string): string;
  /** The sorted set of `group`'s members. */
  group(group: string): string;
  /** The list that wakes the reader of `part` in process `nodeId` (so it watches a new key at once). */
  wake(part: string, nodeId: string): string;
}

/** The key names for `prefix`, hash-tagged when `cluster`. */
export function layerKeys(prefix: string, cluster: boolean): LayerKeys {
  if (!cluster) {
    return {
      list: (part) => `${prefix}:ch:${part}`,
      group: (group) => `${prefix}:group:${group}`,
      wake: (_part, nodeId) => `${prefix}:wake:${nodeId}`,
    };
  }
  return {
    list: (part) => `${prefix}:ch:{${part}}`,
    group: (group) => `${prefix}:group:{${group}}`,
    wake: (part, nodeId) => `${prefix}:wake:{${part}}:${nodeId}`,
  };
}
