import { describe, expect, it } from "vitest";
import { JsonWebsocketConsumer, SocketRouter, WebsocketCommunicator, isTrusted, proxyHeaders, stack, trustedProxies } from "../../src/core/index.js";

class WhoAmI extends JsonWebsocketConsumer {
  override async connect(): Promise<void> {
    await this.accept();
    this.sendJson({ address: this.scope.client.address });
  }
}

async function addressSeen(trusted: string[], headers: Record<string, string>): Promise<string> {
  const app = stack(new SocketRouter().route("/who/", WhoAmI).app(), proxyHeaders(trustedProxies(trusted)));
  const c = new WebsocketCommunicator(app, "/who/", { headers });
  await c.connect();
  const { address } = await c.receiveJson<{ address: string }>();
  await c.disconnect();
  return address;
}

describe("TRUSTED_PROXIES", () => {
  it("parses CIDR lists and matches IPv4-mapped addresses", () => {
    const blocks = trustedProxies(["127.0.0.0/8", "10.1.2.3", "::1"]);
    expect(isTrusted(blocks, "127.0.0.1")).toBe(true);
    expect(isTrusted(blocks, "::ffff:127.0.0.1")).toBe(true);
    expect(isTrusted(blocks, "10.1.2.4")).toBe(false);
    expect(isTrusted(blocks, "::1")).toBe(true);
    expect(() => trustedProxies(["not-an-ip"])).toThrow(TypeError);
    expect(() => trustedProxies(["10.0.0.0/33"])).toThrow(TypeError);
  });

  it("takes the client address from X-Forwarded-For only from a trusted proxy", async () => {
    const headers = { "X-Forwarded-For": "203.0.113.7, 127.0.0.1" };
    expect(await addressSeen(["127.0.0.1/32"], headers)).toBe("203.0.113.7");
    expect(await addressSeen([], headers)).toMatch(/127\.0\.0\.1$/);
    expect(await addressSeen(["127.0.0.1/32"], { "X-Real-IP": "198.51.100.2" })).toBe("198.51.100.2");
  });
});
