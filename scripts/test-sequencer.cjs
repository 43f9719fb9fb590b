// The order `npm test` runs files in: the unit tests first (seconds; a broken
// build shows at once), then the end-to-end files in a fixed order, so that
// images built by one are reused by the next within the same run (CI starts
// with an empty cache). non-root.test.ts comes first: it builds the Debian 12
// host image in its user's own cache, then hands it to the root runs.
const Sequencer = require('@jest/test-sequencer').default;

const E2E_ORDER = ['non-root', 'static', 'faults', 'debian12', 'cloud-image', 'ssh-target'];

function rank(path) {
  const m = /\/e2e\/([^/]+)\.test\.ts$/.exec(path);
  if (!m) return -1;
  const i = E2E_ORDER.indexOf(m[1]);
  return i === -1 ? E2E_ORDER.length : i;
}

class XcSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
  }
}

module.exports = XcSequencer;
