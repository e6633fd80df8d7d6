import { describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { startExpressApp } from "../../examples/express/app.js";
import { startFastifyApp } from "../../examples/fastify/app.js";

async function chatRoundTrip(baseUrl: string): Promise<void> {
  const ws = baseUrl.replace(/^http/, "ws");
  const a = new WebsocketCommunicator(ws, "/ws/chat/lobby/");
  const b = new WebsocketCommunicator(ws, "/ws/chat/lobby/");
  const other = new WebsocketCommunicator(ws, "/ws/chat/other/");
  for (const c of [a, b, other]) expect((await c.connect()).connected).toBe(true);
  a.sendJson({ message: "hello" });
  expect(await a.receiveJson()).toEqual({ message: "hello" });
  expect(await b.receiveJson()).toEqual({ message: "hello" });
  expect(await other.receiveNothing(150)).toBe(true);
  expect((await new WebsocketCommunicator(ws, "/ws/nope/").connect()).status).toBe(404);
  expect((await new WebsocketCommunicator(ws, "/ws/chat/lobby/", { headers: { Origin: "http://evil.example" } }).connect()).status).toBe(403);
  for (const c of [a, b, other]) await c.disconnect();
}

describe("adding realtime to an existing app", () => {
  it("Express keeps its routes and gains /ws/chat/<room>/ on its own server", async () => {
    const running = await startExpressApp();
    try {
      expect(await (await fetch(`${running.url}/`)).text()).toBe("hello from express");
      expect(await (await fetch(`${running.url}/api/status`)).json()).toEqual({ ok: true });
      await chatRoundTrip(running.url);
    } finally {
      await running.close();
    }
  });

  it("Fastify registers the sockets as a plugin", async () => {
    const running = await startFastifyApp();
    try {
      expect(await (await fetch(`${running.url}/`)).text()).toBe("hello from fastify");
      await chatRoundTrip(running.url);
    } finally {
      await running.close();
    }
  });
});
