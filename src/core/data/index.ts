// Public API of the datasets module.

export { readCifar, type CifarRecords, type CifarVariant } from './cifar';
export { downloadFile, type DownloadOptions, type Downloaded, type FetchPolicy } from './download';
export { DatasetError, type DatasetErrorCode } from './errors';
export { encodeIdx, readIdx, type IdxArray } from './idx';
export { datasetStatus, downloadDataset, loadDataset, type DataOptions, type DatasetStatus } from './load';
export { cacheRoot } from './locate';
export { BatchIterator, evalBatches, resolveAugment, type Batch, type BatchOptions } from './pipeline';
export { mixSeed, mulberry32, permutation } from '../random';
export { REGISTRY, type DatasetSpec } from './registry';
export { channelStats, resize32, resize32Stats, testSubset, trainSubset } from './sets';
export type { Augment, ImageSet, LoadedDataset } from './types';
