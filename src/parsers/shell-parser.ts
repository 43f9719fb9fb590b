// The statement-level parser of the shell scanner (see shellscan.ts): tokens
// -> simple commands, with the functions a script defines, what it sources,
// and which commands can never run. Pure: no I/O.
import { Lexer, REDIRECT_OPS, type Tok, type ArithTok, type OpTok, type Word, type WordTok } from './shell-lexer.js';

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

// ---------------------------------------------------------------- parser

type FrameKind = 'top' | 'if' | 'loop' | 'case' | 'item' | 'brace' | 'subshell' | 'function';
interface Frame {
  kind: FrameKind;
  dead: boolean;
  func?: string;
}

export const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
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
