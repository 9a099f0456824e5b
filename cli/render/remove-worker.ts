// A worker thread removing part of the trees a render replaced (generators/output.ts removeTrees).
import { serveWorker } from '../../contract/worker-pool.js';
import { removeTrees, type ReplacedTree } from '../../generators/output.js';

serveWorker<ReplacedTree[], void>((trees) => removeTrees(trees));
