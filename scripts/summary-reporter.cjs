// Closes a jest run with the plain line CI reads: "tests: N passed, N failed, N skipped",
// after each test file's wall time, slowest first, so a CI log shows where the
// time went and a slow trend is seen long before the 90-minute wall.
class SummaryReporter {
  onRunComplete(_contexts, r) {
    const files = r.testResults
      .map((t) => ({ file: t.testFilePath.replace(/^.*__tests__\//, ''), s: (t.perfStats.end - t.perfStats.start) / 1000 }))
      .sort((a, b) => b.s - a.s);
    for (const f of files.slice(0, 8)) console.log(`time: ${f.s.toFixed(0).padStart(5)} s  ${f.file}`);
    const rest = files.slice(8).reduce((n, f) => n + f.s, 0);
    if (files.length > 8) console.log(`time: ${rest.toFixed(0).padStart(5)} s  the other ${files.length - 8} files`);
    const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
    console.log(`tests: ${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  }
}
module.exports = SummaryReporter;
