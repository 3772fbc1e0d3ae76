// Worker threads started from the TypeScript sources, as the test runner (or tsx) runs Vigil: a thread
// does not inherit the loader that compiles them. Registering tsx's loader in each thread cost ~0.9 s
// of CPU a thread (a store reader's ~30 modules each through the loader), and the suite opens a SQLite
// store, with its reader thread, for nearly every store and API test. Instead the entry and what it
// imports are bundled into one ES module by esbuild, the compiler tsx itself runs on, and each thread
// starts from that: ~0.1 s. The built server never comes here; its threads run the compiled .js.
import { createRequire, isBuiltin } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The part of esbuild's API used here. */
interface Esbuild {
  build(options: object): Promise<{ outputFiles: Array<{ text: string }> }>;
}

interface ResolveArgs {
  readonly path: string;
}

interface PluginBuild {
  onResolve(options: { filter: RegExp }, callback: (args: ResolveArgs) => { path?: string; external: boolean }): void;
}

/** The module `name` beside `from` (an import.meta.url): its .ts source under the test runner, its .js when built. */
export function besideModule(from: string, name: string): URL {
  return new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}

/**
 * A thread running `entry`: the compiled .js as it is, a .ts source (the test runner) from its bundle,
 * imported by an eval'd script, which runs none of the process's --import preloads (`--import tsx`
 * among them, which a thread with no loader yet cannot follow with a .ts one).
 */
export async function startWorker(entry: URL, options: WorkerOptions = {}): Promise<Worker> {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  return new Worker(`import(${JSON.stringify((await sourceWorkerUrl(entry)).href)})`, { ...options, eval: true });
}

/** One bundle per entry for the life of the module (under the test runner, one test file). */
const bundles = new Map<string, Promise<URL>>();

/** A module URL a `new Worker` starts `entry` (a .ts module's URL) from, with no loader in the thread. */
export function sourceWorkerUrl(entry: URL): Promise<URL> {
  let bundle = bundles.get(entry.href);
  if (bundle === undefined) {
    bundle = buildBundle(entry);
    bundles.set(entry.href, bundle);
    // A failed build is not kept: the next thread tries again and reports its own error.
    bundle.catch(() => bundles.delete(entry.href));
  }
  return bundle;
}

async function buildBundle(entry: URL): Promise<URL> {
  const fromEntry = createRequire(entry);
  const esbuild = createRequire(fromEntry.resolve('tsx/package.json'))('esbuild') as Esbuild;
  const packagesByUrl = {
    name: 'packages-by-url',
    // A data: URL module resolves no bare package name: each package is imported by its file URL,
    // resolved from the entry as its own import would be (builtins stay as they are).
    setup(build: PluginBuild) {
      build.onResolve({ filter: /^[^./]/ }, (args) =>
        isBuiltin(args.path) ? { external: true } : { path: pathToFileURL(fromEntry.resolve(args.path)).href, external: true },
      );
    },
  };
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    write: false,
    logLevel: 'silent',
    plugins: [packagesByUrl],
  });
  return new URL(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0]!.text).toString('base64')}`);
}
