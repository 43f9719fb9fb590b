// Serial logs and command output carry colour codes and other control bytes
// that render as garbage in a summary or an annotation; tabs and newlines stay.
import { stripVTControlCharacters } from 'node:util';

export const clean = (s: string): string => stripVTControlCharacters(s).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
