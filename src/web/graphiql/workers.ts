// Where Monaco (GraphiQL's editor) finds its web workers: files built next to this bundle
// (scripts/build-web.mjs), so they load from our origin like the page itself — no CDN and
// no `blob:` workers, which a `worker-src 'self'` policy would refuse. Imported first by
// index.tsx: Monaco reads the environment when it starts its first worker.

type WorkerLabel = "json" | "graphql" | string;

const FILES: Record<string, string> = { json: "json.worker.js", graphql: "graphql.worker.js" };

(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_workerId: string, label: WorkerLabel): Worker {
    return new Worker(new URL(FILES[label] ?? "editor.worker.js", import.meta.url), { name: `monaco-${label}` });
  },
};
