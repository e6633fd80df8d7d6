import type { LayerMessage } from "./layers/layer.js";

/** A message handler a consumer declares, e.g. `chatMessage(event)`. */
export type Handler = (message: LayerMessage) => unknown;

/** Prototypes of the framework's own classes: dispatch never reaches their members. */
const frameworkPrototypes = new Set<object>([Object.prototype]);
/** Names no message type may reach, whatever class declares them. */
const reserved = new Set<string>(["constructor", "__proto__", "prototype", "toString", "valueOf"]);

/** Marks a framework base class: its members (and their names) are closed to dispatch. */
export function sealFromDispatch(cls: { prototype: object }): void {
  frameworkPrototypes.add(cls.prototype);
  for (const name of Object.getOwnPropertyNames(cls.prototype)) reserved.add(name);
}

const TYPE_RULE = /^[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+)*$/;
const MAX_CACHED_TYPES = 512;
const handlerCache = new WeakMap<object, Map<string, Handler | null>>();

/**
 * `chat.message` → `chatMessage`, `chat_message` → `chatMessage`; `null` for a type that
 * cannot name a handler (leading `_`, other punctuation, empty parts, over 100 chars).
 */
export function handlerName(type: string): string | null {
  if (type.length > 100 || !TYPE_RULE.test(type)) return null;
  const parts = type.split(/[._]/);
  let name = parts[0]!;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    name += p[0]!.toUpperCase() + p.slice(1);
  }
  return reserved.has(name) ? null : name;
}

/**
 * The handler `instance` declares for `type`, or `null`. Only methods defined by the
 * consumer's own classes count: the search stops at the framework's prototypes, so a
 * crafted type can never reach `close`, `accept`, `constructor` or `__proto__`.
 */
export function findHandler(instance: object, type: string): Handler | null {
  const proto = Object.getPrototypeOf(instance) as object;
  let byType = handlerCache.get(proto);
  if (!byType) handlerCache.set(proto, (byType = new Map()));
  const cached = byType.get(type);
  if (cached !== undefined) return cached;
  const found = lookup(proto, type);
  if (byType.size < MAX_CACHED_TYPES) byType.set(type, found);
  return found;
}

function lookup(start: object, type: string): Handler | null {
  const name = handlerName(type);
  if (name === null) return null;
  for (let p: object | null = start; p && !frameworkPrototypes.has(p); p = Object.getPrototypeOf(p) as object | null) {
    const desc = Object.getOwnPropertyDescriptor(p, name);
    if (desc) return typeof desc.value === "function" ? (desc.value as Handler) : null;
  }
  return null;
}
