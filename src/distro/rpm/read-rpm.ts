// A candidate .rpm, read on the runner with `rpm -qp` (Debian's and
// Ubuntu's `rpm` package has it): name, version, architecture, Requires.
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { reason, show } from '../../packages.js';
import type { PackageFileFields } from '../parts.js';
import { requireAlternatives } from './rpm-parse.js';

/**
 * rpm -qp with the package on stdin ("-"): rpm globs and unquotes the file
 * names it is given, so a name with quotes or a newline would not reach it
 * as it is. stdin is the file itself, opened here.
 */
async function rpmQueryStdin(file: string, query: string): Promise<{ code: number | null; stdout: string; stderr: string; error?: NodeJS.ErrnoException }> {
  const fh = await open(file, 'r');
  try {
    return await new Promise((resolve) => {
      const child = spawn('rpm', ['-qp', '--qf', query, '-'], { stdio: [fh.fd, 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: null, stdout, stderr, error }));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  } finally {
    await fh.close();
  }
}

/** Every RPM file starts with this lead. */
const RPM_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);

/** One tag per line, then the Requires names; %{SOURCERPM} is (none) in a source package. */
const QUERY = '%{NAME}\\n%{EPOCH}\\n%{VERSION}\\n%{RELEASE}\\n%{ARCH}\\n%{SOURCERPM}\\n[%{REQUIRENAME}\\n]';

async function hasRpmLead(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return bytesRead === 4 && buf.equals(RPM_MAGIC);
  } finally {
    await fh.close();
  }
}

export async function readRpm(file: string): Promise<PackageFileFields> {
  // Checked first: rpm -qp reads any other file as a manifest, a list of more paths to open.
  if (!(await hasRpmLead(file))) throw new InputError(`${show(file)} is not an RPM package (it does not start with the RPM lead); pass .rpm package files`);
  const r = await rpmQueryStdin(file, QUERY);
  if (r.error?.code === 'ENOENT') throw new InputError('rpm was not found; install rpm (apt-get install rpm) to read .rpm packages');
  if (r.error || r.code !== 0) {
    const line = r.stderr.split('\n').find((l) => l.trim() !== '' && !/^warning:/.test(l)) ?? (r.error ? reason(r.error) : `exit ${r.code}`);
    throw new InputError(`${show(file)} is not an RPM package rpm can read (rpm: ${line.replace(/^error: /, '').trim()})`);
  }
  const stdout = r.stdout;
  const [name, epoch, version, release, arch, sourceRpm, ...requires] = stdout.split('\n');
  if (!name || !version || !arch) throw new InputError(`${show(file)} is not an RPM package (rpm -qp: no name, version or arch); rebuild it`);
  if (sourceRpm === '(none)') throw new InputError(`${show(file)} is a source package (${name}.src.rpm); pass the binary .rpm files rpmbuild -bb makes`);
  return {
    name,
    // As rpm prints it: [epoch:]version-release.
    version: `${epoch && epoch !== '(none)' ? `${epoch}:` : ''}${version}-${release}`,
    arch,
    depends: requires.flatMap(requireAlternatives),
  };
}
