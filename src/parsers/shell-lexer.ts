// The shell scanner's lexer (see shellscan.ts): text -> words, operators,
// arithmetic commands, and the command substitutions in each word. Pure.

/** One shell word: its text as written and, when it has no expansion, its value. */
export interface Word {
  raw: string;
  /** The word after quote removal; null when it holds an expansion ($x, $(...), `...`). */
  literal: string | null;
  /** The word is "$@" (or $@, "${@}"): the function's own arguments. */
  at: boolean;
}


// ---------------------------------------------------------------- lexer

export interface WordTok {
  t: 'word';
  word: Word;
  line: number;
  /** Command substitutions inside the word: their text and first line. */
  subs: { text: string; line: number }[];
}
export interface OpTok {
  t: 'op';
  v: string;
  line: number;
}
/** `(( ... ))`: an arithmetic command (or `for ((...))` header). */
export interface ArithTok {
  t: 'arith';
  line: number;
  subs: { text: string; line: number }[];
}
export type Tok = WordTok | OpTok | ArithTok;

export const REDIRECT_OPS = ['&>>', '<<<', '<<-', '&>', '>>', '<<', '>&', '<&', '<>', '>|', '>', '<'];
export const CONTROL_OPS = [';;&', ';;', ';&', '&&', '||', '|&', ';', '&', '|', '(', ')'];

export class Lexer {
  private i = 0;
  private line: number;
  private readonly toks: Tok[] = [];
  private pendingHeredocs: { delim: string; strip: boolean }[] = [];

  constructor(
    private readonly s: string,
    firstLine = 1,
  ) {
    this.line = firstLine;
  }

  run(): Tok[] {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '\n') {
        this.toks.push({ t: 'op', v: '\n', line: this.line });
        this.i++;
        this.line++;
        if (this.pendingHeredocs.length) this.readHeredocBodies();
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') {
        this.i++;
        continue;
      }
      if (c === '\\' && s[this.i + 1] === '\n') {
        this.i += 2;
        this.line++;
        continue;
      }
      if (c === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      }
      if (c === '(' && s[this.i + 1] === '(' && this.atCommandStart()) {
        const line = this.line;
        const subs: { text: string; line: number }[] = [];
        this.i += 2;
        this.skipBalanced('(', ')', subs, 1);
        // the closing '))': skipBalanced stopped after the first ')'
        if (s[this.i] === ')') this.i++;
        this.toks.push({ t: 'arith', line, subs });
        continue;
      }
      // A redirection may carry a file descriptor number: 2>/dev/null, 200<>file.
      const fd = /^[0-9]+(?=[<>])/.exec(s.slice(this.i, this.i + 12));
      const at = fd ? this.i + fd[0].length : this.i;
      const redir = REDIRECT_OPS.find((op) => s.startsWith(op, at));
      if (redir && !(redir === '<' && s[at + 1] === '(') && !(redir === '>' && s[at + 1] === '(')) {
        this.i = at + redir.length;
        this.toks.push({ t: 'op', v: redir, line: this.line });
        if (redir === '<<' || redir === '<<-') this.heredocDelimiter(redir === '<<-');
        continue;
      }
      const ctl = CONTROL_OPS.find((op) => s.startsWith(op, this.i));
      if (ctl) {
        this.i += ctl.length;
        this.toks.push({ t: 'op', v: ctl, line: this.line });
        continue;
      }
      const before = this.i;
      this.toks.push(this.readWord());
      if (this.i === before) this.i++; // never stall on a character no rule takes
    }
    return this.toks;
  }

  /** `((` opens arithmetic only where a command may start (bash reads `( (` otherwise). */
  private atCommandStart(): boolean {
    const last = this.toks[this.toks.length - 1];
    if (!last) return true;
    if (last.t === 'op') return last.v !== ')';
    if (last.t === 'word') return ['for', 'do', 'then', 'else', 'elif', 'if', 'while', 'until', '!', '{'].includes(last.word.literal ?? '');
    return false;
  }

  private heredocDelimiter(strip: boolean) {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
    const w = this.readWord();
    this.toks.push(w);
    const delim = w.word.raw.replace(/["'\\]/g, '');
    this.pendingHeredocs.push({ delim, strip });
  }

  private readHeredocBodies() {
    const s = this.s;
    for (const h of this.pendingHeredocs) {
      while (this.i < s.length) {
        let end = s.indexOf('\n', this.i);
        if (end < 0) end = s.length;
        let text = s.slice(this.i, end);
        if (h.strip) text = text.replace(/^\t+/, '');
        this.i = Math.min(end + 1, s.length);
        this.line++;
        if (text === h.delim) break;
      }
    }
    this.pendingHeredocs = [];
  }

  /** Skip to the matching close, minding quotes; `$(` inside is collected as a substitution. Serves `$((`, `${` (a nested `${` counts by its brace) and subshells. */
  private skipBalanced(open: string, close: string, subs: { text: string; line: number }[], depth0: number) {
    const s = this.s;
    let depth = depth0;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '\n') this.line++;
      if (c === '\\') {
        this.i += 2;
        continue;
      }
      if (c === "'") {
        this.skipSingle();
        continue;
      }
      if (c === '"') {
        this.i++;
        this.readDouble(subs);
        continue;
      }
      if (c === '$' && s[this.i + 1] === '(' && s[this.i + 2] !== '(') {
        this.i += 2;
        subs.push(this.readCommandSub());
        continue;
      }
      if (c === open) depth++;
      if (c === close) {
        depth--;
        if (depth === 0) {
          this.i++;
          return;
        }
      }
      this.i++;
    }
  }

  private skipSingle() {
    const s = this.s;
    this.i++;
    while (this.i < s.length && s[this.i] !== "'") {
      if (s[this.i] === '\n') this.line++;
      this.i++;
    }
    this.i++;
  }

  /** After the opening `$(`: read to the matching `)` and return the inner text. */
  private readCommandSub(): { text: string; line: number } {
    const s = this.s;
    const start = this.i;
    const line = this.line;
    let depth = 1;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '\n') this.line++;
      if (c === '\\') {
        this.i += 2;
        continue;
      }
      if (c === "'") {
        this.skipSingle();
        continue;
      }
      if (c === '"') {
        this.i++;
        this.readDouble([]);
        continue;
      }
      if (c === '#' && /[\s(;|&]/.test(s[this.i - 1] ?? ' ')) {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      }
      if (c === '(') depth++;
      if (c === ')') {
        depth--;
        if (depth === 0) {
          const text = s.slice(start, this.i);
          this.i++;
          return { text, line };
        }
      }
      this.i++;
    }
    return { text: s.slice(start), line };
  }

  /** After the opening backquote: read to the closing one; `\`` inside is unescaped. */
  private readBackquote(): { text: string; line: number } {
    const s = this.s;
    const line = this.line;
    let text = '';
    while (this.i < s.length && s[this.i] !== '`') {
      if (s[this.i] === '\\' && '`$\\'.includes(s[this.i + 1] ?? '')) {
        text += s[this.i + 1];
        this.i += 2;
        continue;
      }
      if (s[this.i] === '\n') this.line++;
      text += s[this.i];
      this.i++;
    }
    this.i++;
    return { text, line };
  }

  /**
   * At a `$`: read one expansion, returning false when the `$` is just a character.
   * Substitutions found go to `subs`.
   */
  private readDollar(subs: { text: string; line: number }[]): boolean {
    const s = this.s;
    const n = s[this.i + 1];
    if (n === '(' && s[this.i + 2] === '(') {
      this.i += 3;
      this.skipBalanced('(', ')', subs, 1);
      if (s[this.i] === ')') this.i++;
      return true;
    }
    if (n === '(') {
      this.i += 2;
      subs.push(this.readCommandSub());
      return true;
    }
    if (n === '{') {
      this.i += 2;
      this.skipBalanced('{', '}', subs, 1);
      return true;
    }
    if (n !== undefined && /[A-Za-z_]/.test(n)) {
      this.i++;
      while (this.i < s.length && /[A-Za-z0-9_]/.test(s[this.i])) this.i++;
      return true;
    }
    if (n !== undefined && /[0-9@*#?$!-]/.test(n)) {
      this.i += 2;
      return true;
    }
    return false;
  }

  /** After an opening double quote: to the closing one. Returns the unquoted value, or null if it expands. */
  private readDouble(subs: { text: string; line: number }[]): string | null {
    const s = this.s;
    let value: string | null = '';
    while (this.i < s.length && s[this.i] !== '"') {
      const c = s[this.i];
      if (c === '\\' && '"\\$`\n'.includes(s[this.i + 1] ?? '')) {
        if (s[this.i + 1] === '\n') this.line++;
        else if (value !== null) value += s[this.i + 1];
        this.i += 2;
        continue;
      }
      if (c === '$' && this.readDollar(subs)) {
        value = null;
        continue;
      }
      if (c === '`') {
        this.i++;
        subs.push(this.readBackquote());
        value = null;
        continue;
      }
      if (c === '\n') this.line++;
      if (value !== null) value += c;
      this.i++;
    }
    this.i++; // closing quote
    return value;
  }

  private readWord(): WordTok {
    const s = this.s;
    const start = this.i;
    const line = this.line;
    const subs: { text: string; line: number }[] = [];
    let value: string | null = '';
    const expands = () => {
      value = null;
    };
    while (this.i < s.length) {
      const c = s[this.i];
      if (' \t\r\n;&|<>'.includes(c) && !(c === '<' || c === '>' ? s[this.i + 1] === '(' && this.i === start : false)) break;
      if (c === '(' || c === ')') {
        // name=( ... ): an array assignment, read as one word
        if (c === '(' && /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=$/.test(s.slice(start, this.i))) {
          this.i++;
          this.skipBalanced('(', ')', subs, 1);
          expands();
          continue;
        }
        // extglob @(...) !(...) etc. inside a word: keep reading
        if (c === '(' && this.i > start && '@!?*+'.includes(s[this.i - 1])) {
          this.i++;
          this.skipBalanced('(', ')', subs, 1);
          continue;
        }
        break;
      }
      if ((c === '<' || c === '>') && s[this.i + 1] === '(') {
        // process substitution <(cmd) / >(cmd)
        this.i += 2;
        subs.push(this.readCommandSub());
        expands();
        continue;
      }
      if (c === '\\') {
        if (s[this.i + 1] === '\n') {
          this.i += 2;
          this.line++;
          continue;
        }
        if (value !== null && this.i + 1 < s.length) value += s[this.i + 1];
        this.i += 2;
        continue;
      }
      if (c === "'") {
        const q = this.i;
        this.skipSingle();
        if (value !== null) value += s.slice(q + 1, this.i - 1);
        continue;
      }
      if (c === '$' && s[this.i + 1] === "'") {
        // $'...': ANSI-C quoting, a literal (escapes not interpreted here)
        this.i++;
        const q = this.i;
        this.i++;
        while (this.i < s.length && s[this.i] !== "'") this.i += s[this.i] === '\\' ? 2 : 1;
        this.i++;
        if (value !== null) value += s.slice(q + 1, this.i - 1);
        continue;
      }
      if (c === '"') {
        this.i++;
        const v = this.readDouble(subs);
        if (v === null) expands();
        else if (value !== null) value += v;
        continue;
      }
      if (c === '$' && this.readDollar(subs)) {
        expands();
        continue;
      }
      if (c === '`') {
        this.i++;
        subs.push(this.readBackquote());
        expands();
        continue;
      }
      if (c === '\n') this.line++;
      if (value !== null) value += c;
      this.i++;
    }
    const raw = s.slice(start, this.i);
    const at = /^("\$@"|\$@|"\$\{@\}"|\$\{@\})$/.test(raw);
    return { t: 'word', word: { raw, literal: value, at }, line, subs };
  }
}
