// Fluent Bit configuration that parses the service's log lines with the guide's pattern,
// rendered from the same constant the service's logger is tested against.
import { LOG_LINE_FIELDS, namedLogPattern } from '../contract/telemetry.js';
import type { RenderContext } from './context.js';

export const FLUENT_BIT_PARSER = 'smartbot';

export function fluentBitConfig(ctx: RenderContext): { key: string; content: string }[] {
  const parsers = [
    '[PARSER]',
    `    Name        ${FLUENT_BIT_PARSER}`,
    '    Format      regex',
    `    Regex       ${namedLogPattern()}`,
    `    Time_Key    ${LOG_LINE_FIELDS[0]}`,
    '    Time_Format %Y-%m-%d %H:%M:%S',
    '    Time_Keep   On',
    '',
  ].join('\n');
  const pipeline = [
    '[INPUT]',
    '    Name              tail',
    `    Path              /var/log/containers/${ctx.name}-*_${ctx.namespace}_${ctx.name}-*.log`,
    '    multiline.parser  cri',
    `    Tag               smartbot.${ctx.env}`,
    '',
    '[FILTER]',
    '    Name         parser',
    `    Match        smartbot.${ctx.env}`,
    '    Key_Name     log',
    `    Parser       ${FLUENT_BIT_PARSER}`,
    '    Reserve_Data On',
    '',
  ].join('\n');
  return [
    { key: 'parsers.conf', content: parsers },
    { key: 'pipeline.conf', content: pipeline },
  ];
}
