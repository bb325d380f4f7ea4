import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";

// Scalar's standalone bundle, served by us so /docs works offline. It is found through Node's
// resolution of the installed package (from src/ under tsx and from dist/ under `npm start`
// alike), and its URL carries the package's version, so browsers may keep it for a year and an
// upgrade still reaches them.

export interface Asset {
  /** The path the page loads it from. */
  path: string;
  body: Uint8Array<ArrayBuffer>;
  /** The same bytes gzipped, for clients that accept it (4.8 MB → 1.4 MB). */
  gzipped: Uint8Array<ArrayBuffer>;
}

/** `@scalar/api-reference`'s folder: its package.json is not exported, its main entry is. */
function scalarPackageDir(): string {
  const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
  let dir = dirname(entry);
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (manifest.name === "@scalar/api-reference") return dir;
    } catch {
      // no package.json here: look further up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`@scalar/api-reference: no package.json above ${entry}`);
    dir = parent;
  }
}

/** Where the bundle is and what it will be served as, without reading it (4.8 MB). */
export function scalarBundle(): { file: string; path: string } {
  const dir = scalarPackageDir();
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    version: string;
  };
  return {
    file: join(dir, "dist", "browser", "standalone.js"),
    path: `/docs/assets/scalar-${version}.js`,
  };
}

const gzipped = promisify(gzip);

/**
 * The bundle's bytes, read and gzipped on first use (most processes never serve /docs), off the
 * event loop; every later request gets the same buffers.
 */
export function lazyAsset(file: string, path: string): () => Promise<Asset> {
  let asset: Promise<Asset> | undefined;
  return () => {
    asset ??= (async () => {
      const body = new Uint8Array(readFileSync(file));
      return { path, body, gzipped: new Uint8Array(await gzipped(body, { level: 6 })) };
    })();
    return asset;
  };
}
