// One download per route instead of one per module (used by scripts/fingerprint.mjs).
//
// wasm-split cuts the front end into a module per lazy route and a chunk for each set of routes
// that share code: some 280 chunks, half of them under 400 bytes brotli'd. Fetched one by one over
// HTTP/1.1, a cold load of the assignments page made 187 requests, carried ~90 KB of response
// headers, and was interactive in ~1 s (0.6 s before splitting). So each route also gets a
// pack: its modules end to end in one file, `pack_<route>.<hash>.wasm` (named .wasm because
// Leptos's preload links are; it holds modules, it is not one), which brotli compresses a third
// smaller than the modules apart, because they share so much.
//
// The loader wasm-split wrote is rewritten so that:
//   - each module is fetched through `canopyModule(url)`, which takes it from a pack if one is
//     on its way, else fetches it alone (also after a failed pack: loads are retried);
//   - loading a route first asks for its pack when at least two of its modules have not been
//     requested yet; a route whose modules are (nearly) all loaded fetches the rest alone;
//   - the packs the page preloads are asked for as soon as the loader runs.
// Leptos's manifest then names each route's pack, which the server-rendered page preloads.
//
// Pack format: for each module, a u16 (little-endian) name length, the name ("./<file>.wasm",
// as the loader asks for it), a u32 byte length, the bytes.

const PACK_RUNTIME = `
const requestedModules = new Set();
const packedModules = new Map();
function canopyModule(url) {
    requestedModules.add(url);
    const fetchAlone = () => fetch(new URL(url, import.meta.url));
    const packed = packedModules.get(url);
    if (packed === undefined) return fetchAlone();
    packedModules.delete(url);
    return packed.then(
        (bytes) => new Response(bytes, { headers: { "content-type": "application/wasm" } }),
        fetchAlone,
    );
}
function unpack(buffer) {
    const view = new DataView(buffer);
    const modules = new Map();
    for (let at = 0; at < buffer.byteLength;) {
        const nameLength = view.getUint16(at, true);
        const name = new TextDecoder().decode(new Uint8Array(buffer, at + 2, nameLength));
        at += 2 + nameLength;
        const length = view.getUint32(at, true);
        modules.set(name, buffer.slice(at + 4, at + 4 + length));
        at += 4 + length;
    }
    return modules;
}
function requestPack(pack) {
    const missing = routePacks[pack].filter((url) => !requestedModules.has(url) && !packedModules.has(url));
    if (missing.length < 2) return;
    const unpacked = fetch(new URL(pack, import.meta.url))
        .then((response) => response.ok ? response.arrayBuffer() : Promise.reject(new Error(pack + ": " + response.status)))
        .then(unpack);
    for (const url of missing) {
        packedModules.set(url, unpacked.then((found) => found.get(url) ?? Promise.reject(new Error(url + " is not in " + pack))));
    }
}
function withPack(pack, load) {
    return () => {
        requestPack(pack);
        return load();
    };
}
// The page the server rendered preloads its route's pack; the browser does not always start that
// preload before the glue asks for the route (it was 250 ms late in half the cold loads
// measured), so it is asked for now, as soon as this script runs.
if (typeof document !== "undefined") {
    for (const link of document.querySelectorAll('link[rel="preload"][href*="/pack_"]')) {
        const pack = "./" + new URL(link.href).pathname.split("/").pop();
        if (pack in routePacks) requestPack(pack);
    }
}
`;

const CHUNK = /const (__chunk_\w+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([\w.]+)\.wasm"/g;
const ROUTE =
  /export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([\w.]+)\.wasm"[\s\S]*?\n, \[([^\]]*)\]\)\);/g;
const FETCH = /fetch\(new URL\("\.\/((?:chunk|split)_\w+)\.wasm", import\.meta\.url\)\)/g;

/**
 * source: the loader as wasm-split wrote it. hashed: module stem → hashed stem. bytesOf(hashed
 * stem) → the module's bytes. emitPack(stem, bytes) → the pack's hashed stem, for the pack
 * `pack_<route>` (`pack_api_keys` for wasm-split's `__api_keys_route_view_<hash>`).
 * Returns the rewritten loader and, per route (Leptos's split name), the stems to preload.
 */
export function packRoutes(source, hashed, bytesOf, emitPack) {
  const stem = (name, what) => {
    const found = hashed.get(name);
    if (!found) throw new Error(`the loader ${what} ${name}.wasm, which wasm-split did not write`);
    return found;
  };
  const chunkFile = new Map();
  for (const [, chunk, file] of source.matchAll(CHUNK)) chunkFile.set(chunk, file);

  const preloads = {};
  const packs = new Map();
  for (const [, route, own, deps] of source.matchAll(ROUTE)) {
    const modules = deps
      .split(',')
      .map((dep) => dep.trim())
      .filter(Boolean)
      .map((dep) => {
        const chunk = chunkFile.get(dep);
        if (!chunk) throw new Error(`the loader's ${route} needs ${dep}, which it never defines`);
        return stem(chunk, `(${route}) needs`);
      });
    modules.push(stem(own, 'loads'));
    const records = modules.flatMap((module) => {
      const name = Buffer.from(`./${module}.wasm`);
      const bytes = bytesOf(module);
      const head = Buffer.alloc(2 + name.length + 4);
      head.writeUInt16LE(name.length, 0);
      name.copy(head, 2);
      head.writeUInt32LE(bytes.length, 2 + name.length);
      return [head, bytes];
    });
    const pack = emitPack(`pack_${route.replace(/^__/, '').replace(/_route_view_\d+$/, '')}`, Buffer.concat(records));
    packs.set(route, { pack, modules });
    preloads[route] = [pack];
  }
  if (packs.size === 0) throw new Error('the loader defines no route loaders');

  let loader = source.replace(ROUTE, (whole, route) => {
    const { pack } = packs.get(route);
    return whole
      .replace('wrapAsyncCb(makeLoad(', `wrapAsyncCb(withPack("./${pack}.wasm", makeLoad(`)
      .replace(/\]\)\);$/, '])));');
  });
  let fetches = 0;
  loader = loader.replace(FETCH, (whole, name) => {
    fetches += 1;
    return `canopyModule("./${stem(name, 'fetches')}.wasm")`;
  });
  if (fetches !== hashed.size) throw new Error(`the loader fetches ${fetches} modules, wasm-split wrote ${hashed.size}`);
  const imports = /^import [^\n]*\n/;
  if (!imports.test(loader)) throw new Error('the loader does not start with its import of the glue');
  const routePacks = Object.fromEntries(
    [...packs.values()].map(({ pack, modules }) => [`./${pack}.wasm`, modules.map((module) => `./${module}.wasm`)]),
  );
  loader = loader.replace(imports, (line) => `${line}const routePacks = ${JSON.stringify(routePacks)};\n${PACK_RUNTIME}`);
  return { loader, preloads };
}
