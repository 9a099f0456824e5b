// The console's own files: handlebars page templates (templates/*.hbs) and its stylesheet and
// script (assets/). tsc copies neither into dist/, so they are read from the source tree: beside
// this module when it runs from source (tests), else from service/src/admin/ under the first
// directory above dist/ that has it (the checkout; the service image, where
// containers/context.sh copies them). The service may not use generators/templates.ts, so the
// console compiles its own, once, with HTML escaping on ({{x}}) and strict views.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

const here = dirname(fileURLToPath(import.meta.url));

function findFilesDir(): string {
  if (existsSync(join(here, 'templates'))) return here;
  for (let dir = here; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, 'service', 'src', 'admin');
    if (existsSync(join(candidate, 'templates'))) return candidate;
  }
  throw new Error(`the admin console's templates are missing: service/src/admin/templates was not found above ${here}`);
}

type Template = (view: object) => string;

export const CONSOLE_ASSETS = { 'console.css': 'text/css; charset=utf-8', 'console.js': 'text/javascript; charset=utf-8', 'favicon.svg': 'image/svg+xml' } as const;
export type ConsoleAsset = keyof typeof CONSOLE_ASSETS;

export interface ConsoleFiles {
  /** A page inside the layout. */
  page(name: string, view: object): string;
  asset(name: ConsoleAsset): Buffer;
}

export function loadConsoleFiles(): ConsoleFiles {
  const dir = findFilesDir();
  const hb = Handlebars.create();
  const templates = new Map<string, Template>();
  for (const f of readdirSync(join(dir, 'templates')).filter((f) => f.endsWith('.hbs')))
    templates.set(f.slice(0, -4), hb.compile(readFileSync(join(dir, 'templates', f), 'utf8'), { strict: true }));
  // {{> command id=… text=…}}: a shell command with its copy button (pages suggest, never act).
  hb.registerPartial('command', templates.get('command')!);
  const assets = new Map(Object.keys(CONSOLE_ASSETS).map((a) => [a, readFileSync(join(dir, 'assets', a))]));
  const get = (name: string) => {
    const t = templates.get(name);
    if (!t) throw new Error(`no console template ${name}.hbs`);
    return t;
  };
  return {
    page: (name, view) => get('layout')({ ...view, body: get(name)(view) }),
    asset: (name) => assets.get(name)!,
  };
}
