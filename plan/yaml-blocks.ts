// Finding a key's value in block-style YAML by its indentation, without parsing the document.
// A plan compares tens of thousands of rendered objects; parsing each one (the `yaml` package
// does about a thousand a second) was most of a fleet plan's time. Rendered files are block
// YAML written by our own templates, so the few places a plan looks into (secret values, the
// pod template) are found from the lines alone. Anything this does not recognise (flow
// collections, a list where a map was expected) answers undefined, and the caller parses.

interface Line {
  start: number;
  /** End of the line's text, before its line break. */
  end: number;
  indent: number;
  /** Blank or a comment: does not end a block. */
  empty: boolean;
}

export interface Located {
  key: string;
  /** The key line's index, and the value's range in the text. */
  line: number;
  valueStart: number;
  valueEnd: number;
  /** Lines the key's block covers: the key line and everything more indented below it. */
  firstLine: number;
  lastLine: number;
}

const KEY = /^( *)(?:- +)?(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s#'"{[\]},&*!|>%@`-][^#]*?|-[^\s#][^#]*?))[ \t]*:(?=[ \t]|$)/;

export class BlockYaml {
  readonly lines: Line[] = [];

  constructor(readonly text: string) {
    for (let start = 0; start <= text.length; ) {
      const nl = text.indexOf('\n', start);
      const end = nl === -1 ? text.length : nl;
      if (nl === -1 && start === text.length) break;
      let indent = 0;
      while (text.charCodeAt(start + indent) === 32) indent++;
      const first = text[start + indent];
      this.lines.push({ start, end, indent, empty: start + indent >= end || first === '#' });
      start = end + 1;
    }
  }

  lineText(i: number): string {
    const l = this.lines[i]!;
    return this.text.slice(l.start, l.end);
  }

  /** The key a line states, when it states one ("key:" or "- key:"). */
  keyOf(i: number): string | undefined {
    const m = KEY.exec(this.lineText(i));
    if (!m) return undefined;
    if (m[2] !== undefined) return JSON.parse(`"${m[2]}"`) as string;
    if (m[3] !== undefined) return m[3].replace(/''/g, "'");
    return m[4]!.trimEnd();
  }

  private dash = (i: number) => {
    const l = this.lines[i]!;
    return this.text[l.start + l.indent] === '-' && /[ \n]/.test(this.text[l.start + l.indent + 1] ?? '\n');
  };

  /**
   * The last line of the block a key line at `i` opens: every following line indented more,
   * and a list written at the key's own indentation ("key:\n- item"), blank lines inside included.
   */
  private blockEnd(i: number, compactList: boolean): number {
    const indent = this.lines[i]!.indent;
    let last = i;
    for (let j = i + 1; j < this.lines.length; j++) {
      const l = this.lines[j]!;
      if (l.empty) continue;
      if (l.indent < indent || (l.indent === indent && !(compactList && this.dash(j)))) break;
      last = j;
    }
    return last;
  }

  private located(i: number, key: string): Located | undefined {
    const l = this.lines[i]!;
    const line = this.lineText(i);
    const colon = KEY.exec(line)![0].length;
    let valueStart = l.start + colon;
    while (this.text[valueStart] === ' ') valueStart++;
    const inline = valueStart < l.end && this.text[valueStart] !== '#';
    const lastLine = this.blockEnd(i, !inline && !this.dash(i));
    const indicator = inline ? this.text[valueStart] : undefined;
    if (indicator === '&' || indicator === '*' || indicator === '!') return undefined;
    let valueEnd: number;
    if (!inline) {
      // A nested block: from the next line to the block's end.
      if (lastLine === i) return undefined;
      valueStart = this.lines[i + 1]!.start;
      valueEnd = this.lines[lastLine]!.end;
    } else if (indicator === '|' || indicator === '>') {
      // A block scalar's range ends after its last line break, as the YAML library's does.
      valueEnd = Math.min(this.text.length, this.lines[lastLine]!.end + 1);
    } else valueEnd = this.lines[lastLine]!.end;
    return { key, line: i, valueStart, valueEnd, firstLine: i, lastLine };
  }

  /** The entries of the mapping whose lines are `from`..`to` (the whole document by default); undefined when it is not a block mapping. */
  entries(from = 0, to = this.lines.length - 1): Located[] | undefined {
    const out: Located[] = [];
    let indent: number | undefined;
    for (let i = from; i <= to; i++) {
      const l = this.lines[i]!;
      if (l.empty) continue;
      indent ??= l.indent;
      if (l.indent < indent) return undefined;
      if (l.indent > indent) continue;
      if (this.dash(i)) return undefined; // a list, not a map
      const key = this.keyOf(i);
      if (key === undefined) return undefined;
      const found = this.located(i, key);
      if (!found) return undefined;
      out.push(found);
      i = found.lastLine;
    }
    return out;
  }

  /** The value at a path of map keys; undefined when absent or not in block style. */
  locate(path: readonly string[]): Located | undefined {
    let from = 0;
    let to = this.lines.length - 1;
    let found: Located | undefined;
    for (const key of path) {
      const entries = this.entries(from, to);
      found = entries?.find((e) => e.key === key);
      if (!found) return undefined;
      from = found.firstLine + 1;
      to = found.lastLine;
    }
    return found;
  }

  /** The keys above a line and its own, outermost first ("spec", "template", "spec", "containers", "resources", "cpu"). */
  keyPath(i: number): string[] {
    const path: string[] = [];
    let indent = this.lines[i]!.indent;
    // Inside a list item: its list's key may sit at the item's own indentation.
    let inItem = this.dash(i);
    const own = this.keyOf(i);
    if (own !== undefined) path.push(own);
    for (let j = i - 1; j >= 0 && (indent > 0 || inItem); j--) {
      const l = this.lines[j]!;
      if (l.empty || l.indent > indent) continue;
      const item = this.dash(j);
      if (l.indent === indent && (!inItem || item)) continue;
      // "- name: x" above us opens the item we are in: its first key is a sibling, not a parent.
      if (item) inItem = true;
      else {
        const key = this.keyOf(j);
        if (key !== undefined) path.push(key);
        inItem = false;
      }
      indent = l.indent;
    }
    return path.reverse();
  }
}
