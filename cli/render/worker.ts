// A worker thread rendering one contiguous run of environments (chunk.ts).
import { serveWorker } from '../../contract/worker-pool.js';
import { renderChunk, type RenderChunkInput, type RenderedEnvironment } from './chunk.js';

serveWorker<RenderChunkInput, RenderedEnvironment[]>((input, progress) => renderChunk(input, progress));
