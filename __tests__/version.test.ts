import { readFileSync } from 'node:fs';
import { TOOL_NAME, VERSION } from '../src/version.js';

test('the version is package.json\'s', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  expect(VERSION).toBe(pkg.version);
  expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  expect(TOOL_NAME).toBe('xen-conformance');
});
