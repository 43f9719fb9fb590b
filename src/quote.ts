// The one way to build a command line for the remote POSIX shell (the Xen host over SSH).
// Every word that reaches `sh -c` goes through shQuote; nothing else concatenates argv.

/** Characters no POSIX shell treats specially, so a word made only of them may stay bare. */
const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** A bare `NAME=value` in command position is a variable assignment, not a word. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Reserved words change the grammar when bare in command position (`if`, `for`, ...). */
const RESERVED = new Set(['case', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'if', 'in', 'then', 'until', 'while']);

/** Quote one word so the remote shell hands it to the program byte for byte. */
export function shQuote(s: string): string {
  // argv is NUL-terminated: no quoting can carry a NUL through, so refuse rather than truncate.
  if (s.includes('\0')) throw new TypeError('shQuote: a shell word cannot contain a NUL byte');
  if (SAFE.test(s) && !ASSIGNMENT.test(s) && !RESERVED.has(s)) return s;
  // Inside single quotes nothing is special; a quote itself ends, escapes and reopens them.
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quote each word and join them with spaces: the command line `sh -c` will split back into argv. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}
