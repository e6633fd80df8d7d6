import { describe, expect, it } from "vitest";
import { InMemoryChannelLayer } from "../../../src/core/index.js";
import { describeChannelLayer } from "../../conformance/layer-suite.js";

describeChannelLayer("InMemoryChannelLayer", async (options) => {
  let now = Date.now();
  const layer = new InMemoryChannelLayer({ ...options, clock: () => now });
  return {
    layer,
    advance: async (ms) => {
      now += ms;
    },
    close: () => layer.close(),
  };
});

describe("InMemoryChannelLayer options", () => {
  it("rejects bad options with TypeError", () => {
    expect(() => new InMemoryChannelLayer({ capacity: 0 })).toThrow(TypeError);
    expect(() => new InMemoryChannelLayer({ capacity: 1.5 })).toThrow(TypeError);
    expect(() => new InMemoryChannelLayer({ expiry: 0 })).toThrow(TypeError);
    expect(() => new InMemoryChannelLayer({ groupExpiry: -1 })).toThrow(TypeError);
    expect(() => new InMemoryChannelLayer({ channelCapacity: { x: 0 } })).toThrow(TypeError);
  });
});
