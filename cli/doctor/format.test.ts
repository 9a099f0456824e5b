// Doctor's report as printed: sections in order, marks, why and fix under each problem, a
// summary line; what hosts said (a process name) escaped in text and JSON.
import { describe, expect, it } from 'vitest';
import { doctorJson, doctorText } from './format.js';

const report = {
  environment: 'dev',
  file: 'environments/dev.yaml',
  findings: [
    { section: 'Runtime' as const, check: 'node-version', status: 'ok' as const, summary: 'Node 20.20.2 satisfies package.json engines.node ">=20.19"' },
    { section: 'Ports' as const, check: 'port', status: 'problem' as const, summary: 'port 18789 (ports.external) is in use by pid 7 (evil\x1b[2J\r✔ all good)', why: 'w', fix: 'f' },
    { section: 'Docker' as const, check: 'docker', status: 'skip' as const, summary: 'no Docker daemon' },
  ],
};

describe('doctor report', () => {
  it('prints sections in order, each problem with why and fix, escaping what the host said', () => {
    expect(doctorText(report)).toBe(
      [
        'smartbot doctor — environment dev (environments/dev.yaml)',
        '',
        'Ports',
        '  ✖ port 18789 (ports.external) is in use by pid 7 (evil\\x1b[2J\\r✔ all good)',
        '      why: w',
        '      fix: f',
        '',
        'Runtime',
        '  ✔ Node 20.20.2 satisfies package.json engines.node ">=20.19"',
        '',
        'Docker',
        '  – no Docker daemon',
        '',
        '✖ 1 problem (1 passed, 1 skipped): fix them from the top, later ones can follow from earlier ones',
        '',
      ].join('\n'),
    );
    const doc = JSON.parse(doctorJson(report));
    expect(doc).toMatchObject({ environment: 'dev', ok: false, problems: 1, warnings: 0 });
    expect(doc.findings[1].summary).toBe(report.findings[1]!.summary);
    expect(doctorJson(report)).not.toMatch(/[\x1b\r]/);
  });

  it("masks a secret on a port holder's command line, in text and in JSON", () => {
    const key = 'sb_live_0123456789abcdefghijklmnopqrstu';
    const leaky = { ...report, findings: [{ section: 'Ports' as const, check: 'port', status: 'problem' as const, summary: `port 9000 (ports.admin) is in use by pid 8 (node api.js --api-key ${key} --db redis://:hunter2pass@db:6379)`, why: 'w', fix: 'f' }] };
    expect(doctorText(leaky)).toContain('(node api.js --api-key sb_‹masked› --db redis://:‹masked›@db:6379)');
    for (const text of [doctorText(leaky), doctorJson(leaky)]) expect(text).not.toMatch(/0123456789abcdef|hunter2pass/);
  });
});
