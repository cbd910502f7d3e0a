import type { DataSplit, Dataset } from '../data/dataset';
import { MNIST_SPLIT_SEED as SPLIT_SEED } from '../data/mnist';
import { splitDataset, subsetDataset } from '../data/split';
import { DataError } from '../errors';
import { Random } from '../random';
import type { Spec } from '../spec/schema';

/** Where the experiment's data comes from; the command line and the browser each provide one. */
export interface DataSources {
  /** All 10,000 samples of the embedded MNIST subset, in their fixed order. */
  embeddedMnist(): Dataset;
  /** Reads an IDX image/label file pair; paths as written in the spec. */
  idxPair(imagesPath: string, labelsPath: string, classes?: number): Dataset;
}

/**
 * Loads the train and test data a spec names. The split seed is a constant, so every experiment
 * on a dataset sees the same split. The embedded MNIST subset is shuffled with SPLIT_SEED and cut into `split.train` then `split.test` samples. IDX data keeps its own
 * train and test files, from each of which a SPLIT_SEED-shuffled subset of the requested size
 * is taken.
 */
export function loadSpecData(spec: Spec, sources: DataSources): DataSplit {
  const { train, test } = spec.split;
  if (spec.dataset.source === 'mnist-embedded') {
    const all = sources.embeddedMnist();
    if (train + test > all.count) {
      throw new DataError(`split: ${train} train + ${test} test samples requested, but the ${all.name} has ${all.count}; lower split.train or split.test`);
    }
    return splitDataset(all, train, test, new Random(SPLIT_SEED));
  }

  const { trainImages, trainLabels, testImages, testLabels, classes } = spec.dataset;
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
