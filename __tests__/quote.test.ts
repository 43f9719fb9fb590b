import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shJoin, shQuote } from '../src/quote.js';

// Real shells, not a model of one: dash is /bin/sh on Debian, bash is what many hosts log in with.
const SHELLS = ['/bin/sh', '/bin/bash', '/usr/bin/dash'].filter((s) => existsSync(s));

let dir: string;
let canary: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'quote-'));
  canary = join(dir, 'pwned');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the shell's printf received as argv, one Buffer per word. */
function roundTrip(shell: string, args: readonly string[]): Buffer[] {
  const out = execFileSync(shell, ['-c', 'printf "%s\\0" ' + shJoin(args)], { cwd: dir });
  const words: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 0) {
      words.push(out.subarray(start, i));
      start = i + 1;
    }
  }
  expect(start).toBe(out.length);
  return words;
}

function hostile(): string[] {
  return [
    'plain',
    'with space',
    '  leading and trailing  ',
    "it's",
    "''",
    "'",
    '"double"',
    '"',
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    `; touch ${canary}`,
    `&& touch ${canary}`,
    `| touch ${canary}`,
    `x\ntouch ${canary}`,
    `> ${canary}`,
    `$HOME`,
    '${HOME}',
    '$((1+1))',
    'a\tb',
    '\n',
    '*',
    '*.deb',
    '?',
    '[a-z]',
    '~',
    '~root',
    '-n',
    '--',
    '-e',
    '!',
    '!!',
    '#comment',
    '\\',
    '\\n',
    'a\\',
    '{a,b}',
    'xen_4.17+1~deb12u1_amd64.deb',
    '/path/with=eq:colon@at%pct,comma',
    'FOO=bar',
    'if',
    'Xén — 日本語 🚀',
    '\u00a0nbsp',
    '',
    "''\"\"``$()",
  ];
}

describe('shQuote', () => {
  it('leaves safe words bare', () => {
    expect(shQuote('xen-utils_4.17.0+1~deb12u1_amd64.deb')).toBe("'xen-utils_4.17.0+1~deb12u1_amd64.deb'"); // ~ is not safe
    expect(shQuote('/usr/lib/xen-4.17/bin/xl')).toBe('/usr/lib/xen-4.17/bin/xl');
    expect(shQuote('--opt=value')).toBe('--opt=value');
    expect(shQuote('user@host:/p%2,x')).toBe('user@host:/p%2,x');
  });

  it('single-quotes everything else', () => {
    expect(shQuote('')).toBe("''");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuote('a b')).toBe("'a b'");
    expect(shQuote('$(x)')).toBe("'$(x)'");
  });

  it('quotes words the grammar would reinterpret in command position', () => {
    expect(shQuote('FOO=bar')).toBe("'FOO=bar'");
    expect(shQuote('if')).toBe("'if'");
  });

  it('refuses a NUL byte, which no argv can carry', () => {
    expect(() => shQuote('a\0b')).toThrow(/NUL/);
  });
});

describe.each(SHELLS)('shJoin through a real %s -c', (shell) => {
  afterEach(() => expect(existsSync(canary)).toBe(false));

  it('round-trips each hostile word byte for byte', () => {
    for (const word of hostile()) {
      expect(roundTrip(shell, [word])).toEqual([Buffer.from(word)]);
    }
  });

  it('round-trips all of them at once, in order', () => {
    const args = hostile();
    expect(roundTrip(shell, args)).toEqual(args.map((a) => Buffer.from(a)));
  });

  it('round-trips random strings over a hostile alphabet', () => {
    const alphabet = [..." '\"`$();&|<>\n\t*?[]~-!#\\{}=%é日🚀aZ0/."];
    let seed = 42; // deterministic, so a failure reproduces
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const args = Array.from({ length: 200 }, () =>
      Array.from({ length: rand(12) }, () => alphabet[rand(alphabet.length)]).join(''),
    );
    expect(roundTrip(shell, args)).toEqual(args.map((a) => Buffer.from(a)));
  });

  it('keeps argv[0] a command, never an assignment or a keyword', () => {
    // Bare, `FOO=bar` would set a variable and exit 0; quoted, it is a command that is not found.
    expect(spawnSync(shell, ['-c', shJoin(['FOO=bar'])]).status).toBe(127);
    const r = spawnSync(shell, ['-c', shJoin(['printf', '%s|', `$(touch ${canary})`, 'if'])]);
    expect(r.stdout.toString()).toBe(`$(touch ${canary})|if|`);
  });
});
