// Where Monaco (GraphiQL's editor) finds its web workers: files built next to this bundle
// (scripts/build-web.mjs), so they load from our origin like the page itself — no CDN and
// no `blob:` workers, which a `worker-src 'self'` policy would refuse. Imported first by
// index.tsx: Monaco reads the environment when it starts its first worker.

/**
 * The workers' content-hashed file names by label (`editor`, `json`, `graphql`), written in
 * by the build (esbuild's `define`, scripts/build-web.mjs), which builds them first.
 */
declare const MONACO_WORKER_FILES: Readonly<Record<string, string>>;

type WorkerLabel = "json" | "graphql" | string;

(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_workerId: string, label: WorkerLabel): Worker {
    const file = MONACO_WORKER_FILES[label] ?? MONACO_WORKER_FILES.editor;
    if (!file) throw new Error(`graphiql: no web worker built for ${label}`);
    return new Worker(new URL(file, import.meta.url), { name: `monaco-${label}` });
  },
};
