// `keys list --env E`: the environment's keys and their state now, from the verified history.
import { currentKeys } from '../../keys/record.js';
import { safeJson } from '../../validation/format/safe-text.js';
import { EXIT } from '../io.js';
import { formatKeyList } from './format.js';
import { envOption, type KeysRun } from './options.js';

export async function list(run: KeysRun): Promise<number> {
  const keys = (await currentKeys(run.settings, envOption(run))).keys;
  run.io.out(run.v.json ? `${safeJson(keys)}\n` : formatKeyList(keys, Date.now()));
  return EXIT.ok;
}
