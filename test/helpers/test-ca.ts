// A throwaway certificate authority made by openssl for TLS tests: leaf certificates for chosen names
// and validity windows (already expired, expiring in days), signed by a CA the test trusts through a
// ca_file. EC P-256 keys: openssl makes them in milliseconds where RSA takes a few hundred.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import type { SelfSignedCert } from './servers.js';

const run = promisify(execFile);

/** A CA on disk; `caFile` is its certificate, to pass as a probe's ca_file. */
export interface TestCa {
  readonly caFile: string;
  /** Issues a certificate for `names` (DNS names and IPs) valid from `from` to `to`. */
  issue(opts: { names: readonly string[]; from: Date; to: Date }): Promise<SelfSignedCert>;
  remove(): Promise<void>;
}

/** openssl ca's date format: YYYYMMDDHHMMSSZ. */
function opensslDate(at: Date): string {
  return `${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/** Makes a CA in a temp dir, removed by `remove()`. */
export async function createTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ca-'));
  const caKey = path.join(dir, 'ca.key');
  const caFile = path.join(dir, 'ca.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '30', '-subj', '/CN=Vigil Test CA']);
  await writeFile(path.join(dir, 'index.txt'), '');
  await writeFile(path.join(dir, 'serial'), '1000\n');
  const config = path.join(dir, 'ca.cnf');
  await writeFile(
    config,
    [
      '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir',
      'serial = $dir/serial', 'default_md = sha256', 'policy = any', 'unique_subject = no', 'copy_extensions = none',
      '[any]', 'commonName = supplied',
    ].join('\n'),
  );
  let count = 0;
  // openssl ca rewrites its serial and index files: one issue at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const issueOne = async ({ names, from, to }: { names: readonly string[]; from: Date; to: Date }): Promise<SelfSignedCert> => {
    const name = `leaf${++count}`;
    const key = path.join(dir, `${name}.key`);
    const csr = path.join(dir, `${name}.csr`);
    const cert = path.join(dir, `${name}.pem`);
    const ext = path.join(dir, `${name}.ext`);
    const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    await writeFile(ext, `subjectAltName = ${san}\nbasicConstraints = CA:FALSE\n`);
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${names[0]}`]);
    await run('openssl', [
      'ca', '-batch', '-config', config, '-keyfile', caKey, '-cert', caFile, '-in', csr, '-out', cert, '-notext',
      '-startdate', opensslDate(from), '-enddate', opensslDate(to), '-extfile', ext,
    ]);
    const [keyPem, certPem] = await Promise.all([readFile(key, 'utf8'), readFile(cert, 'utf8')]);
    return { key: keyPem, cert: certPem, notAfter: new Date(new X509Certificate(certPem).validTo) };
  };
  return {
    caFile,
    issue(opts) {
      const issued = queue.then(() => issueOne(opts));
      queue = issued.catch(() => {});
      return issued;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
