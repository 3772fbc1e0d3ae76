// The built dashboard, served from memory: every file of its folder is read once at start (a few
// hundred KB) into a table keyed by URL path, so a request is a lookup and never a file-system path
// made from the URL — `/assets/..%2f..%2fpackage.json`, `%2e%2e`, double encoding and backslashes
// match no key and are 404s (Grafana's CVE-2021-43798 was a path joined from the URL). Vite's hashed
// assets are cached for a year; index.html is revalidated each load (its ETag makes that a 304).
// Each file is compressed (br, gzip) by the build (`<file>.br`, `<file>.gz`), else once, off the loop,
// the first time a client asks for it (br at a middle quality: level 11 takes seconds for 120 KB).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Context } from 'hono';
import { acceptsEncoding } from './encoding.js';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = /^(?:text\/|application\/json|image\/svg\+xml)/;
/** Below this, compression saves less than its headers cost. */
const COMPRESS_FROM_BYTES = 1024;
/** Vite's output folder of content-hashed files: their name changes with their content. */
const HASHED_DIR = '/assets/';
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Paths that are never the dashboard's client-side routes. */
const NOT_PAGES = /^\/(?:api|v1|health|metrics|assets)(?:\/|$)/;
/** A client-side route: `/`, `/wall`, `/incidents/42` — words only, no dots, no escapes. */
const PAGE_ROUTE = /^(?:\/[A-Za-z0-9_-]+)*\/?$/;

type Coding = 'br' | 'gzip';

interface Asset {
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
  readonly etag: string;
  readonly compressible: boolean;
  /** Compressed bodies, made on first request and kept with the asset. */
  readonly encoded: Map<Coding, Promise<Buffer>>;
}

/** The dashboard's files, by URL path. */
export class StaticAssets {
  readonly #assets: ReadonlyMap<string, Asset>;
  readonly #index: Asset;

  private constructor(assets: ReadonlyMap<string, Asset>, index: Asset) {
    this.#assets = assets;
    this.#index = index;
  }

  /** Every file under `dir` (which holds index.html), read now; null when there is no index.html. */
  static load(dir: string): StaticAssets | null {
    if (!fs.existsSync(path.join(dir, 'index.html'))) return null;
    const assets = new Map<string, Asset>();
    const files = filesUnder(dir);
    const present = new Set(files);
    for (const file of files) {
      if (PRECOMPRESSED.test(file) && present.has(file.replace(PRECOMPRESSED, ''))) continue;
      const urlPath = '/' + path.relative(dir, file).split(path.sep).join('/');
      const bytes = fs.readFileSync(file);
      const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
      assets.set(urlPath, {
        bytes,
        contentType,
        cacheControl: urlPath.startsWith(HASHED_DIR) ? IMMUTABLE : 'no-cache',
        etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`,
        compressible: COMPRESSIBLE.test(contentType) && bytes.length >= COMPRESS_FROM_BYTES,
        encoded: precompressed(file),
      });
    }
    const index = assets.get('/index.html');
    return index ? new StaticAssets(assets, index) : null;
  }

  /**
   * The answer to a GET of `urlPath`: the file at exactly that path, else index.html for a client-side
   * route, else null (the caller's 404).
   */
  answer(c: Context, urlPath: string): Promise<Response> | null {
    const asset = this.#assets.get(urlPath) ?? (PAGE_ROUTE.test(urlPath) && !NOT_PAGES.test(urlPath) ? this.#index : undefined);
    return asset ? send(c, asset) : null;
  }
}

/** `<file>.br` and `<file>.gz` made by the build (dashboard/vite.config.ts), taken as they are. */
const PRECOMPRESSED = /\.(?:br|gz)$/;

function precompressed(file: string): Map<Coding, Promise<Buffer>> {
  const encoded = new Map<Coding, Promise<Buffer>>();
  for (const [coding, suffix] of [['br', '.br'], ['gzip', '.gz']] as const) {
    if (fs.existsSync(file + suffix)) encoded.set(coding, Promise.resolve(fs.readFileSync(file + suffix)));
  }
  return encoded;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

async function send(c: Context, asset: Asset): Promise<Response> {
  const coding = asset.compressible ? chooseCoding(c.req.header('accept-encoding')) : null;
  const etag = coding === null ? asset.etag : `${asset.etag.slice(0, -1)}-${coding}"`;
  const headers: Record<string, string> = { 'content-type': asset.contentType, 'cache-control': asset.cacheControl, etag, vary: 'Accept-Encoding' };
  if (ifNoneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
  if (coding === null) return c.body(asset.bytes as Uint8Array<ArrayBuffer>, 200, headers);
  let encoded = asset.encoded.get(coding);
  if (encoded === undefined) {
    encoded =
      coding === 'br'
        ? brotli(asset.bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: asset.bytes.length } })
        : gzip(asset.bytes, { level: 9 });
    asset.encoded.set(coding, encoded);
  }
  return c.body((await encoded) as Uint8Array<ArrayBuffer>, 200, { ...headers, 'content-encoding': coding });
}

function chooseCoding(acceptEncoding: string | undefined): Coding | null {
  if (acceptsEncoding(acceptEncoding, 'br')) return 'br';
  if (acceptsEncoding(acceptEncoding, 'gzip')) return 'gzip';
  return null;
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}
