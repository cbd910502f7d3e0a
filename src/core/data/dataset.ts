/**
 * An in-memory labelled dataset of 8-bit samples (images or feature rows).
 * Sample s occupies `features[s * featureCount .. (s + 1) * featureCount)`.
 */
export interface Dataset {
  /** Human-readable origin, e.g. `embedded MNIST subset` or a file name. */
  name: string;
  /** Shape of one sample, e.g. [28, 28]. */
  sampleShape: number[];
  /** Product of `sampleShape`. */
  featureCount: number;
  count: number;
  /** Raw features, 0-255, sample-major. */
  features: Uint8Array;
  /** Class of each sample, 0..classes-1. */
  labels: Uint8Array;
  classes: number;
}

/** The train and test parts of an experiment's data. */
export interface DataSplit {
  train: Dataset;
  test: Dataset;
}
