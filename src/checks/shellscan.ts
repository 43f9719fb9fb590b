// A static pass over shell scripts (the Xen hotplug scripts) that lists the
// programs they run: words in command position, after taking out shell
// builtins and keywords, functions the scripts define, variables, and code
// that can never run (after an unconditional `return` or `exit`).
//
// It is a small lexer and a statement-level parser, not a full shell: it knows
// quotes, `$(...)`, backquotes, `${...}`, `$((...))`, heredocs, comments,
// `case` patterns, `for` word lists, `[[ ... ]]`, function definitions and
// compound commands. What it cannot resolve (a command held in a variable,
// `eval`) it leaves out rather than guess. Pure: no I/O.

/** One shell word: its text as written and, when it has no expansion, its value. */
export interface Word {
  raw: string;
  /** The word after quote removal; null when it holds an expansion ($x, $(...), `...`). */
  literal: string | null;
  /** The word is "$@" (or $@, "${@}"): the function's own arguments. */
  at: boolean;
}

/** A simple command: its words (leading assignments and redirections taken out). */
export interface SimpleCommand {
  words: Word[];
  line: number;
  /** The function whose body holds it, if any. */
  func?: string;
  /** After an unconditional return/exit in the same block: it never runs. */
  dead: boolean;
}

export interface ScriptScan {
  /** From the #! line: the interpreter's path and its arguments (`/usr/bin/env bash` gives args ['bash']). */
  interpreter?: { path: string; args: string[] };
  /** Functions this script defines. */
  functions: string[];
  commands: SimpleCommand[];
  /** Words after `.` / `source`, as written. */
  sources: Word[];
}

// ---------------------------------------------------------------- lexer

interface WordTok {
  t: 'word';
  word: Word;
  line: number;
  /** Command substitutions inside the word: their text and first line. */
  subs: { text: string; line: number }[];
}
interface OpTok {
  t: 'op';
  v: string;
  line: number;
}
/** `(( ... ))`: an arithmetic command (or `for ((...))` header). */
interface ArithTok {
  t: 'arith';
  line: number;
  subs: { text: string; line: number }[];
}
type Tok = WordTok | OpTok | ArithTok;

const REDIRECT_OPS = ['&>>', '<<<', '<<-', '&>', '>>', '<<', '>&', '<&', '<>', '>|', '>', '<'];
const CONTROL_OPS = [';;&', ';;', ';&', '&&', '||', '|&', ';', '&', '|', '(', ')'];

class Lexer {
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

// ---------------------------------------------------------------- parser

type FrameKind = 'top' | 'if' | 'loop' | 'case' | 'item' | 'brace' | 'subshell' | 'function';
interface Frame {
  kind: FrameKind;
  dead: boolean;
  func?: string;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

interface ParseOut {
  commands: SimpleCommand[];
  functions: Set<string>;
  sources: Word[];
}

function parseTokens(toks: Tok[], out: ParseOut, outer: Frame[]) {
  const stack: Frame[] = [...outer.map((f) => ({ ...f })), { kind: 'top', dead: false }];
  const top = () => stack[stack.length - 1];
  const funcName = () => [...stack].reverse().find((f) => f.func)?.func;
  const isDead = () => stack.some((f) => f.dead);
  const pop = (...kinds: FrameKind[]) => {
    // close the innermost frame of one of these kinds (and anything left open inside it)
    for (let k = stack.length - 1; k > 0; k--) {
      if (kinds.includes(stack[k].kind)) {
        stack.length = k;
        return;
      }
    }
  };

  type Mode = 'start' | 'args' | 'end' | 'caseWord' | 'caseIn' | 'pattern' | 'forVar' | 'forIn' | 'forWords' | 'dbracket' | 'funcName';
  let mode: Mode = 'start';
  let cmd: SimpleCommand | null = null;
  /** The statement began after && || or | (so a return/exit there is conditional). */
  let inList = false;
  let cmdInList = false;
  let pendingFunc: string | undefined;

  const subsOf = (tok: WordTok | ArithTok) => {
    for (const sub of tok.subs) {
      const inner = new Lexer(sub.text, sub.line).run();
      parseTokens(inner, out, stack.map((f) => ({ ...f, kind: f.kind === 'top' ? 'brace' : f.kind })));
    }
  };

  const endCommand = (by: string) => {
    if (cmd) {
      out.commands.push(cmd);
      const head = cmd.words[0]?.literal;
      const standalone = !cmdInList && !['&&', '||', '|', '|&'].includes(by);
      if ((head === 'return' || head === 'exit') && standalone) top().dead = true;
      if ((head === '.' || head === 'source') && cmd.words[1]) out.sources.push(cmd.words[1]);
    }
    cmd = null;
  };

  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k];

    if (tok.t === 'arith') {
      subsOf(tok);
      if (mode === 'forVar') mode = 'forIn';
      else mode = 'end';
      continue;
    }

    if (tok.t === 'op') {
      const v = tok.v;
      if (mode === 'dbracket') continue;
      if (REDIRECT_OPS.includes(v)) {
        // the target word is data (its substitutions still run)
        const target = toks[k + 1];
        if (target && target.t === 'word') {
          subsOf(target);
          k++;
        }
        continue;
      }
      if (mode === 'pattern' || mode === 'caseIn') {
        if (v === ')') {
          stack.push({ kind: 'item', dead: false });
          mode = 'start';
          inList = false;
        }
        continue;
      }
      if (mode === 'forWords' || mode === 'forIn') {
        if (v === '\n' || v === ';') mode = 'start';
        continue;
      }
      if (mode === 'caseWord') continue;
      if (v === '(' && mode === 'start') {
        stack.push({ kind: 'subshell', dead: false });
        inList = false;
        continue;
      }
      if (v === ')') {
        endCommand(v);
        pop('subshell');
        mode = 'end';
        continue;
      }
      if (v === ';;' || v === ';&' || v === ';;&') {
        endCommand(v);
        pop('item');
        mode = 'pattern';
        continue;
      }
      endCommand(v);
      inList = ['&&', '||', '|', '|&'].includes(v);
      if (mode !== 'funcName') mode = 'start';
      continue;
    }

    // a word
    const w = tok.word;
    const lit = w.literal;

    if (mode === 'dbracket') {
      subsOf(tok);
      if (lit === ']]') mode = 'end';
      continue;
    }
    if (mode === 'caseWord') {
      subsOf(tok);
      mode = 'caseIn';
      continue;
    }
    if (mode === 'caseIn' || mode === 'pattern') {
      if (lit === 'in' && mode === 'caseIn') {
        mode = 'pattern';
        continue;
      }
      if (lit === 'esac') {
        pop('case');
        mode = 'end';
        continue;
      }
      mode = 'pattern';
      continue;
    }
    if (mode === 'forVar') {
      mode = 'forIn';
      continue;
    }
    if (mode === 'forIn') {
      if (lit === 'in') mode = 'forWords';
      else if (lit === 'do') {
        top().dead = false;
        mode = 'start';
      }
      continue;
    }
    if (mode === 'forWords') {
      subsOf(tok);
      continue;
    }
    if (mode === 'funcName') {
      pendingFunc = lit ?? undefined;
      if (lit) out.functions.add(lit);
      // optional "()" follows
      if (toks[k + 1]?.t === 'op' && (toks[k + 1] as OpTok).v === '(' && toks[k + 2]?.t === 'op' && (toks[k + 2] as OpTok).v === ')') k += 2;
      mode = 'start';
      continue;
    }
    if (mode === 'args') {
      subsOf(tok);
      cmd!.words.push(w);
      continue;
    }
    if (mode === 'end') {
      // a word right after a compound command's end: not valid shell; read it as a new command
      mode = 'start';
    }

    // mode === 'start': reserved words first
    if (lit !== null && !w.raw.includes('"') && !w.raw.includes("'")) {
      switch (lit) {
        case 'if':
        case 'while':
        case 'until':
          stack.push({ kind: lit === 'if' ? 'if' : 'loop', dead: false });
          inList = false;
          continue;
        case 'then':
        case 'else':
        case 'elif':
        case 'do':
          top().dead = false;
          inList = false;
          continue;
        case 'fi':
          pop('if');
          mode = 'end';
          continue;
        case 'done':
          pop('loop');
          mode = 'end';
          continue;
        case 'esac':
          pop('case');
          mode = 'end';
          continue;
        case 'case':
          stack.push({ kind: 'case', dead: false });
          mode = 'caseWord';
          continue;
        case 'for':
        case 'select':
          stack.push({ kind: 'loop', dead: false });
          mode = 'forVar';
          continue;
        case 'function':
          mode = 'funcName';
          continue;
        case '{':
          stack.push(pendingFunc ? { kind: 'function', dead: false, func: pendingFunc } : { kind: 'brace', dead: false });
          pendingFunc = undefined;
          inList = false;
          continue;
        case '}':
          endCommand('}');
          pop('brace', 'function');
          mode = 'end';
          continue;
        case '!':
        case 'time':
          continue;
        case '[[':
          mode = 'dbracket';
          continue;
      }
    }
    // name() { ... }: a function definition
    const next = toks[k + 1];
    const next2 = toks[k + 2];
    if (lit !== null && NAME.test(lit) && next?.t === 'op' && next.v === '(' && next2?.t === 'op' && next2.v === ')') {
      out.functions.add(lit);
      pendingFunc = lit;
      k += 2;
      continue;
    }
    subsOf(tok);
    // leading assignments (VAR=value cmd ...) are not the command
    if (ASSIGNMENT.test(w.raw)) continue;
    cmd = { words: [w], line: tok.line, func: funcName(), dead: isDead() };
    cmdInList = inList;
    mode = 'args';
  }
  endCommand('\n');
}

/** Scan one script's text. */
export function scanScript(text: string): ScriptScan {
  const out: ParseOut = { commands: [], functions: new Set(), sources: [] };
  parseTokens(new Lexer(text).run(), out, []);
  let interpreter: ScriptScan['interpreter'];
  const shebang = /^#!\s*(\S+)(.*)$/m.exec(text.split('\n', 1)[0]);
  if (shebang) interpreter = { path: shebang[1], args: shebang[2].trim().split(/\s+/).filter(Boolean) };
  return { interpreter, functions: [...out.functions], commands: out.commands, sources: out.sources };
}

// ---------------------------------------------------------------- what the commands are

/** Builtins and keywords of bash (the scripts' shell) and POSIX sh: never a program to look for. */
export const SHELL_BUILTINS = new Set([
  ...['.', ':', '[', ']]', '[[', 'alias', 'bg', 'bind', 'break', 'builtin', 'caller', 'cd', 'command', 'compgen', 'complete'],
  ...['compopt', 'continue', 'declare', 'dirs', 'disown', 'echo', 'enable', 'eval', 'exec', 'exit', 'export', 'false', 'fc'],
  ...['fg', 'getopts', 'hash', 'help', 'history', 'jobs', 'kill', 'let', 'local', 'logout', 'mapfile', 'popd', 'printf'],
  ...['pushd', 'pwd', 'read', 'readarray', 'readonly', 'return', 'set', 'shift', 'shopt', 'source', 'suspend', 'test', 'times'],
  ...['trap', 'true', 'type', 'typeset', 'ulimit', 'umask', 'unalias', 'unset', 'wait'],
  ...['if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'select', 'while', 'until', 'do', 'done', 'in', 'function', 'time', '{', '}', '!'],
]);

/** Programs that run the command given in their arguments: what follows their options is a command too. */
const WRAPPERS: Record<string, { optionsWithValue: string[]; skipFirstOperand?: boolean }> = {
  env: { optionsWithValue: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string'] },
  nice: { optionsWithValue: ['-n', '--adjustment'] },
  nohup: { optionsWithValue: [] },
  setsid: { optionsWithValue: [] },
  stdbuf: { optionsWithValue: ['-i', '-o', '-e'] },
  chroot: { optionsWithValue: [], skipFirstOperand: true },
  timeout: { optionsWithValue: ['-s', '--signal', '-k', '--kill-after'], skipFirstOperand: true },
  xargs: { optionsWithValue: ['-a', '-d', '-E', '-I', '-L', '-n', '-P', '-s'] },
  flock: { optionsWithValue: ['-w', '--timeout', '-E', '--conflict-exit-code'], skipFirstOperand: true },
};

/** What a program a script calls is, and where. */
export interface CommandUse {
  name: string;
  file: string;
  line: number;
  /** The same script checks for it first (`which X`, `command -v X`, `type X`, `hash X`). */
  guarded: boolean;
}

export interface ScriptSet {
  /** Programs the scripts run, with where (dead code and dynamic command words left out). */
  uses: CommandUse[];
  /** Interpreters named on #! lines: [path, file]. */
  interpreters: { name: string; file: string }[];
  /** Every function defined in any of the scripts (they source each other). */
  functions: Set<string>;
  /** Functions that run their arguments as a command ("$@" in command position). */
  runners: Set<string>;
  /** Functions called from code that runs (top level, or a reachable function); '' is the top level. */
  reachable: Set<string>;
  /** Per file: the scripts it sources from the same directory (basenames). */
  sources: Map<string, string[]>;
}

/** `${VAR}/x` and `$VAR/x` with a known VAR (hotplugpath.sh defines LIBEXEC_BIN and friends) become literal. */
function resolveWord(w: Word, vars: Record<string, string>): string | null {
  if (w.literal !== null) return w.literal;
  const m = /^"?\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))"?(\/[A-Za-z0-9_./+-]*)"?$/.exec(w.raw);
  const name = m && (m[1] ?? m[2]);
  if (m && name && vars[name] !== undefined) return vars[name] + m[3];
  return null;
}

/** The programs one simple command runs, and the names it only probes for. */
function headsOf(c: SimpleCommand, runners: Set<string>, vars: Record<string, string>): { run: string[]; probes: string[] } {
  const run: string[] = [];
  const probes: string[] = [];
  const words = c.words;
  let i = 0;
  while (i < words.length) {
    const name = resolveWord(words[i], vars);
    if (name === null) break;
    if (name === 'command' || name === 'builtin') {
      const rest = words.slice(i + 1).map((w) => resolveWord(w, vars));
      if (name === 'command' && rest[0] !== undefined && /^-[vV]+$/.test(rest[0] ?? '')) {
        probes.push(...(rest.slice(1).filter((x) => x !== null) as string[]));
        break;
      }
      if (name === 'builtin') break;
      i++;
      while (i < words.length && /^-/.test(words[i].literal ?? '')) i++;
      continue;
    }
    if (name === 'exec') {
      i++;
      while (i < words.length && /^-[acl]+$/.test(words[i].literal ?? '')) i += words[i].literal === '-a' ? 2 : 1;
      continue;
    }
    if (name === 'which' || name === 'type' || name === 'hash') {
      if (name === 'which') run.push(name);
      probes.push(...(words.slice(i + 1).map((w) => resolveWord(w, vars)).filter((x): x is string => x !== null && !x.startsWith('-'))));
      break;
    }
    const wrapper = WRAPPERS[name];
    if (wrapper) {
      run.push(name);
      i++;
      let skippedOperand = false;
      while (i < words.length) {
        const a = words[i].literal;
        if (a === null) break;
        if (a === '--') {
          i++;
          break;
        }
        if (name === 'env' && ASSIGNMENT.test(a)) {
          i++;
          continue;
        }
        if (a.startsWith('-')) {
          i += wrapper.optionsWithValue.includes(a) ? 2 : 1;
          continue;
        }
        if (wrapper.skipFirstOperand && !skippedOperand) {
          skippedOperand = true;
          i++;
          continue;
        }
        break;
      }
      continue;
    }
    if (runners.has(name)) {
      i++;
      continue;
    }
    run.push(name);
    break;
  }
  return { run, probes };
}

/**
 * Scan a set of scripts that live together (a hotplug script directory) and
 * list the programs they need. `vars` are variables known to hold fixed paths
 * (from hotplugpath.sh), so `${LIBEXEC_BIN}/x` counts as a program.
 */
export function scanScriptSet(files: { name: string; text: string }[], vars: Record<string, string> = {}): ScriptSet {
  const scans = files.map((f) => ({ name: f.name, scan: scanScript(f.text) }));
  const functions = new Set(scans.flatMap((s) => s.scan.functions));
  const runners = new Set<string>();
  for (const { scan } of scans) for (const c of scan.commands) if (c.func && c.words[0]?.at && !c.dead) runners.add(c.func);

  // What each live command runs, and which functions are ever called from code that runs:
  // a function only called after a `return` (Debian's handle_iptable) never runs, nor what it calls.
  const TOP = '';
  const calls = new Map<string, Set<string>>();
  const heads = scans.map(({ name, scan }) => {
    const probed = new Set<string>();
    const found: { name: string; line: number; func: string }[] = [];
    for (const c of scan.commands) {
      if (c.dead) continue;
      const { run, probes } = headsOf(c, runners, vars);
      probes.forEach((p) => probed.add(p));
      const from = c.func ?? TOP;
      const called = [...run, ...(run[0] === 'trap' && c.words[1]?.literal ? [c.words[1].literal] : [])];
      for (const r of called) if (functions.has(r)) calls.set(from, (calls.get(from) ?? new Set()).add(r));
      for (const r of run) found.push({ name: r, line: c.line, func: from });
    }
    return { file: name, scan, probed, found };
  });
  const reachable = new Set([TOP]);
  const queue = [TOP];
  while (queue.length) for (const f of calls.get(queue.pop()!) ?? []) if (!reachable.has(f)) (reachable.add(f), queue.push(f));

  const uses: CommandUse[] = [];
  const interpreters: { name: string; file: string }[] = [];
  const sources = new Map<string, string[]>();
  for (const { file, scan, probed, found } of heads) {
    if (scan.interpreter) {
      interpreters.push({ name: scan.interpreter.path, file });
      if (/\/env$/.test(scan.interpreter.path) && scan.interpreter.args[0]) interpreters.push({ name: scan.interpreter.args[0], file });
    }
    for (const f of found) {
      if (!reachable.has(f.func)) continue;
      if (SHELL_BUILTINS.has(f.name) || functions.has(f.name)) continue;
      if (f.name.includes('/') && !f.name.startsWith('/')) continue; // relative path: depends on the cwd
      if (f.name === '' || f.name.includes('=')) continue;
      uses.push({ name: f.name, file, line: f.line, guarded: probed.has(f.name) });
    }
    const local: string[] = [];
    for (const s of scan.sources) {
      const m = /^"?(?:\$\{?dir\}?|\$\{?XEN_SCRIPT_DIR\}?|\/etc\/xen\/scripts)\/([A-Za-z0-9_.+-]+)"?$/.exec(s.raw);
      if (m) local.push(m[1]);
    }
    sources.set(file, local);
  }
  return { uses, interpreters, functions, runners, reachable, sources };
}

/** `NAME="value"` lines of a sourced settings file (hotplugpath.sh), values without expansions only. */
export function shellAssignments(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"$`\\]*)"|'([^']*)'|([^\s"'$`\\;&|]*))\s*$/.exec(line);
    if (m) vars[m[1]] = m[2] ?? m[3] ?? m[4] ?? '';
  }
  return vars;
}
