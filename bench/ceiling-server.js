// The ceiling: a bare `ws` broadcast server speaking the chat protocol, with a Map of rooms,
// no layer and no database. One JSON.stringify per message, one send per member.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

const port = Number(process.argv[2] ?? 0);
const rooms = new Map();
let id = 0;
const server = createServer((_req, res) => res.end("ok"));
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 });
wss.on("connection", (ws, req) => {
  const room = req.url ?? "/";
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(ws);
  ws.on("message", (data) => {
    let message;
    try {
      message = JSON.parse(data.toString()).message;
    } catch {
      return;
    }
    if (typeof message !== "string") return;
    const frame = JSON.stringify({ id: ++id, room, user: "anonymous", message, ts: Date.now() });
    for (const member of members) member.send(frame);
  });
  ws.on("close", () => members.delete(ws));
});
server.listen(port, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
