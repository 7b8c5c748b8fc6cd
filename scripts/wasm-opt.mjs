// Shrinks every WASM module in a directory in place, as `wasm-opt -Oz` would, on every core.
//
//   node scripts/wasm-opt.mjs <dir>
//
// The split front end is a main module and some three hundred modules wasm-split cut out of it
// (one per lazy route and the chunks they share). The `wasm-opt` command of binaryen's npm
// package is binaryen compiled to JS, which takes about a second to start: once per module that
// is most of the work. Here binaryen is loaded once per worker thread, and the modules, largest
// first, go to whichever worker is free. Optimizing roughly halves what a chunk weighs after
// brotli (names and debug sections go, and code shrinks).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

if (isMainThread) {
  const [dir] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node scripts/wasm-opt.mjs <dir>');
    process.exit(2);
  }
  const queue = readdirSync(dir)
    .filter((file) => file.endsWith('.wasm'))
    .map((file) => path.join(dir, file))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  const total = queue.length;
  const started = Date.now();
  let failed = false;
  const workers = Math.max(1, Math.min(availableParallelism(), queue.length));
  await Promise.all(
    Array.from({ length: workers }, () => new Promise((resolve) => {
      const worker = new Worker(new URL(import.meta.url));
      const next = () => {
        const file = queue.shift();
        if (file && !failed) worker.postMessage(file);
        else worker.terminate().then(resolve);
      };
      worker.on('message', ({ file, error }) => {
        if (error) {
          console.error(`wasm-opt: ${file}: ${error}`);
          failed = true;
        }
        next();
      });
      worker.on('error', (error) => {
        console.error(`wasm-opt: ${error.stack ?? error}`);
        failed = true;
        resolve();
      });
      next();
    })),
  );
  if (failed) process.exit(1);
  console.log(`wasm-opt: ${total} modules in ${((Date.now() - started) / 1000).toFixed(1)} s on ${workers} threads`);
} else {
  const { default: binaryen } = await import('binaryen');
  const { Features } = binaryen;
  // What rustc's wasm32-unknown-unknown target emits, and nothing a browser could lack.
  const features = Features.MutableGlobals | Features.SignExt | Features.BulkMemory | Features.BulkMemoryOpt
    | Features.NontrappingFPToInt | Features.ReferenceTypes | Features.Multivalue;
  binaryen.setOptimizeLevel(2);
  binaryen.setShrinkLevel(2);
  binaryen.setDebugInfo(false);
  parentPort.on('message', (file) => {
    try {
      const module = binaryen.readBinary(readFileSync(file));
      try {
        module.setFeatures(features);
        if (!module.validate()) throw new Error('not valid before optimizing');
        module.optimize();
        writeFileSync(file, module.emitBinary());
      } finally {
        module.dispose();
      }
      parentPort.postMessage({ file });
    } catch (error) {
      parentPort.postMessage({ file, error: String(error) });
    }
  });
}
