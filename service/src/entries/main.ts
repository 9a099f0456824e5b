// The service process: `node dist/service/src/entries/main.js --config runtime.json [--models-dir DIR]`.
// startService (service.ts) does the work; this entry reads the config and keeps the process
// contract (runMain: one line on failure, clean exit on SIGTERM after the drain).
import { parseArgs } from 'node:util';
import { isEntry, runMain, type Closable } from '../../../contract/run-main.js';
import { loadServiceConfig } from '../config.js';
import { startService } from '../service.js';

async function main(argv: string[]): Promise<Closable> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, 'models-dir': { type: 'string' } } });
  const config = loadServiceConfig(values.config ?? process.env.SMARTBOT_CONFIG ?? '/etc/smartbot/config/runtime.json');
  const service = await startService(config, values['models-dir'] ? { modelsDir: values['models-dir'] } : {});
  return { close: (signal) => service.close(signal) };
}

if (isEntry(import.meta.url)) runMain('smartbot service', main);
