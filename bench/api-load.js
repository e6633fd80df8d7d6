// API load (run pinned by bench.js): GraphQL allBooks over HTTP, and socket handshakes with
// and without a JWT. argv[2]: JSON { url, wsUrl, seconds, concurrency, handshakes }.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

const plan = JSON.parse(process.argv[2]);
const post = (query, token) =>
  fetch(`${plan.url}/graphql/`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `JWT ${token}` } : {}) },
    body: JSON.stringify({ query }),
  }).then((r) => r.json());

await post(`mutation { createUser(username: "bench", email: "b@example.com", password: "load-test-secret") { msg } }`);
const token = (await post(`mutation { tokenAuth(username: "bench", password: "load-test-secret") { token } }`)).data.tokenAuth.token;
for (let i = 0; i < 100; i++) await post(`mutation { createBook(bookData: {title: "Title ${i}", author: "Author ${i % 10}"}) { ok } }`, token);

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null;
}

async function allBooks() {
  const query = "{ allBooks(first: 100) { id title { id name } author { id name } } }";
  const times = [];
  const deadline = performance.now() + plan.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const answer = await post(query);
      if (answer.data?.allBooks?.length !== 100) throw new Error("allBooks did not return 100 books");
      times.push(performance.now() - t0);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  return { requestsPerSec: times.length / elapsed, p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function handshakes(withToken) {
  const total = plan.handshakes;
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      await new Promise((resolve, reject) => {
        const ws = new WebSocket(`${plan.wsUrl}/ws/chat/handshake/`, withToken ? { headers: { authorization: `Bearer ${token}` } } : {});
        ws.once("open", () => {
          ws.terminate();
          resolve();
        });
        ws.once("error", reject);
      });
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  return { handshakesPerSec: total / ((performance.now() - start) / 1000) };
}

const result = { allBooks: await allBooks(), handshakeAnonymous: await handshakes(false), handshakeJwt: await handshakes(true) };
console.log(JSON.stringify(result));
process.exit(0);
