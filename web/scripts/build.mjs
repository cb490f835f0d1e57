// Builds the front end into dist/: app.js, app.css, the MapLibre worker,
// index.html and the basemap. The output depends only on the sources and
// the pinned packages: no timestamps, no absolute paths, no sourcemaps.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

import { countries } from './countries.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'basemap'), { recursive: true });

await esbuild.build({
  absWorkingDir: root,
  entryPoints: { app: 'src/main.ts' },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  charset: 'utf8',
  outdir: 'dist',
  logLevel: 'warning',
});
await esbuild.build({
  absWorkingDir: root,
  entryPoints: { app: 'src/app.css' },
  bundle: true,
  minify: true,
  charset: 'utf8',
  outdir: 'dist',
  logLevel: 'warning',
  loader: { '.svg': 'dataurl', '.png': 'dataurl' },
});

// The worker is served as is, less its reference to a source map we do not ship.
const worker = readFileSync(require.resolve('maplibre-gl/dist/maplibre-gl-worker.mjs'), 'utf8');
writeFileSync(join(dist, 'maplibre-gl-worker.mjs'), worker.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
copyFileSync(join(root, 'src', 'index.html'), join(dist, 'index.html'));
for (const f of readdirSync(join(root, 'basemap')).filter((f) => f.endsWith('.geojson')).sort()) {
  copyFileSync(join(root, 'basemap', f), join(dist, 'basemap', f));
}
writeFileSync(join(dist, 'basemap', 'countries.geojson'), countries());
