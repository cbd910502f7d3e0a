import type { DataSplit, Dataset } from '../data/dataset';
import { MNIST_SPLIT_SEED as SPLIT_SEED } from '../data/mnist';
import { splitDataset, subsetDataset } from '../data/split';
import { syntheticDataset } from '../data/synthetic';
import { DataError } from '../errors';
import { Random } from '../random';
import type { Spec } from '../spec/schema';

/** Sources of the experiment's data; the command line and the browser each provide one. */
export interface DataSources {
  /** All 10,000 samples of the embedded MNIST subset, in their fixed order. */
  embeddedMnist(): Dataset;
  /** Reads an IDX image/label file pair; paths as written in the spec. */
  idxPair(imagesPath: string, labelsPath: string, classes?: number): Dataset;
  /** Reads a CSV file with `parseCsv`; path as written in the spec. Optional: without it, CSV specs raise a DataError. */
  csv?(path: string, labelColumn?: number | string, classes?: number): Dataset;
}

/** Shuffles `all` with SPLIT_SEED and cuts `split.train` then `split.test` disjoint samples. */
function splitOne(all: Dataset, train: number, test: number): DataSplit {
  if (train + test > all.count) {
    throw new DataError(`split: ${train} train + ${test} test samples requested, but the ${all.name} has ${all.count}; lower split.train or split.test`);
  }
  return splitDataset(all, train, test, new Random(SPLIT_SEED));
}

function range(start: number, end: number): Int32Array {
  const indices = new Int32Array(end - start);
  for (let i = 0; i < indices.length; i++) indices[i] = start + i;
  return indices;
}

/**
 * Loads the train and test data a spec names. The split seed is a constant, so every experiment
 * on a dataset gets the same split. The embedded MNIST subset, a CSV file and an IDX pair
 * without test files are shuffled with SPLIT_SEED and cut into `split.train` then
 * `split.test` samples. IDX data with test files keeps its own train and test files, from each
 * of which a SPLIT_SEED-shuffled subset of the requested size is taken. A synthetic task draws
 * `split.train + split.test` fresh samples from the spec's seed, the first ones for training.
 */
export function loadSpecData(spec: Spec, sources: DataSources): DataSplit {
  const { train, test } = spec.split;
  const dataset = spec.dataset;
  if (dataset.source === 'mnist-embedded') return splitOne(sources.embeddedMnist(), train, test);
  if (dataset.source === 'synthetic') {
    const all = syntheticDataset({ task: dataset.task, bits: dataset.bits, count: train + test, seed: String(spec.seed) });
    return { train: subsetDataset(all, range(0, train)), test: subsetDataset(all, range(train, train + test)) };
  }
  if (dataset.source === 'csv') {
    if (!sources.csv) throw new DataError(`dataset: this program cannot read CSV files (${dataset.path}); use the command line or the playground`);
    return splitOne(sources.csv(dataset.path, dataset.labelColumn, dataset.classes), train, test);
  }

  const { trainImages, trainLabels, testImages, testLabels, classes } = dataset;
  if (testImages === undefined || testLabels === undefined) return splitOne(sources.idxPair(trainImages, trainLabels, classes), train, test);
  const trainSet = sources.idxPair(trainImages, trainLabels, classes);
  const testSet = sources.idxPair(testImages, testLabels, classes);
  if (trainSet.featureCount !== testSet.featureCount) {
    throw new DataError(`train samples have ${trainSet.featureCount} features (${trainImages}) but test samples have ${testSet.featureCount} (${testImages})`);
  }
  const pick = (data: Dataset, count: number, field: string): Dataset => {
    if (count > data.count) throw new DataError(`split.${field}: ${count} samples requested, but ${data.name} has ${data.count}; lower split.${field}`);
    if (count === data.count) return data;
    return subsetDataset(data, new Random(SPLIT_SEED).derive(field).permutation(data.count).subarray(0, count));
  };
  const classCount = Math.max(trainSet.classes, testSet.classes);
  return {
    train: { ...pick(trainSet, train, 'train'), classes: classCount },
    test: { ...pick(testSet, test, 'test'), classes: classCount },
  };
}
