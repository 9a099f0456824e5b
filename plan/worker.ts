// A worker thread planning one contiguous run of environments (chunk.ts).
import { serveWorker } from '../contract/worker-pool.js';
import { planChunk, type ChunkInput, type ChunkOutput } from './chunk.js';

serveWorker<ChunkInput, ChunkOutput>((input, progress) => planChunk(input, progress));
