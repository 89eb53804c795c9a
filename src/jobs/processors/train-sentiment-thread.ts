/**
 * Worker-thread entry for sentiment training: TensorFlow.js runs here, off the event loop of the
 * process that took the job (so its heartbeat, lock renewal and HTTP stay responsive).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadTf } from '../../ml/tf.js';
import { trainSentiment, type TrainSentimentInput } from '../../reviews/sentiment/pipeline.js';

const input = workerData as Omit<TrainSentimentInput, 'log'>;
const tf = await loadTf();
const trained = await trainSentiment(tf, { ...input, log: (line) => parentPort?.postMessage({ log: line }) });
parentPort?.postMessage({ meta: trained.meta, weights: trained.weights }, [trained.weights.buffer as ArrayBuffer]);
