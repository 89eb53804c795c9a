/**
 * The one place TensorFlow.js is loaded. Picks the fastest backend this machine has:
 * `@tensorflow/tfjs-node` where the user installed it, else the wasm backend, else plain CPU.
 * Callers `await loadTf()` once and use the returned namespace.
 */
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';

export type Tf = typeof TF;

let loaded: Promise<Tf> | undefined;

const require = createRequire(import.meta.url);

async function init(): Promise<Tf> {
  const wanted = process.env.KPI_TF_BACKEND; // read here only: a debugging override, documented in README
  if (wanted !== 'wasm' && wanted !== 'cpu') {
    try {
      require.resolve('@tensorflow/tfjs-node');
      const tfnode = (await import('@tensorflow/tfjs-node' as string)) as Tf;
      return tfnode;
    } catch {
      // not installed here: fall through to wasm
    }
  }
  const tf = await import('@tensorflow/tfjs');
  if (wanted !== 'cpu') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dir = require.resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/\\]+$/, '');
      wasm.setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return tf;
      }
    } catch {
      // wasm unavailable: fall back to cpu
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}

/** Loads TensorFlow.js once per process and returns it with the best backend selected. */
export function loadTf(): Promise<Tf> {
  loaded ??= init();
  return loaded;
}
