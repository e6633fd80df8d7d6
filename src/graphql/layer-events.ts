import type { ChannelLayer, LayerMessage } from "../core/index.js";

/**
 * Messages of `types` sent to `group`, as an async iterator for GraphQL subscriptions. It
 * listens on a channel of its own, so it works across nodes like any socket; `return()`
 * (the subscription ending) cancels the pending receive and leaves the group at once.
 */
export function groupEvents(
  layer: ChannelLayer,
  group: string,
  types: readonly string[],
  accept: (message: LayerMessage) => boolean = () => true,
): AsyncIterableIterator<LayerMessage> {
  const controller = new AbortController();
  const channel = (async () => {
    const name = await layer.newChannel("graphql");
    await layer.groupAdd(group, name);
    return name;
  })();
  const done = (): IteratorResult<LayerMessage> => ({ value: undefined, done: true });
  const iterator: AsyncIterableIterator<LayerMessage> = {
    async next() {
      const name = await channel;
      for (;;) {
        let message: LayerMessage;
        try {
          message = await layer.receive(name, { signal: controller.signal });
        } catch {
          return done();
        }
        if (types.includes(message.type) && accept(message)) return { value: message, done: false };
      }
    },
    async return() {
      controller.abort();
      await layer.groupDiscard(group, await channel).catch(() => undefined);
      return done();
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
