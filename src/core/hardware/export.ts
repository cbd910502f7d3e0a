import type { Dataset } from '../data/dataset';
import { signEncodeBits } from '../data/encoders';
import { ExportError } from '../errors';
import { evaluate } from '../train/evaluate';
import type { Model } from '../train/model';
import { buildBundle, zipBundle, type BundleFiles } from './bundle';
import { modelToNetlist } from './from-model';
import type { Netlist } from './netlist';
import { simulateNetlist } from './simulate';

export interface ExportOptions {
  /** Register every layer's outputs, so the circuit has a clock and a latency of one cycle per layer. */
  registered: boolean;
}

export interface ExportResult {
  netlist: Netlist;
  files: BundleFiles;
  zip: Uint8Array;
  /** Accuracy of the netlist on the test vectors, equal to the binary model's. */
  testAccuracy: number;
  samples: number;
}

/**
 * Turns a trained model into its Verilog bundle and proves on the test split that the netlist
 * computes what the model's binary inference computes: any disagreement is an ExportError,
 * never a silent bundle. The bundle's testbench then checks the Verilog against the same
 * expected classes. The model is read asynchronously and must not change while the returned
 * promise is pending.
 */
export async function exportModel(model: Model, inputShape: number[], test: Dataset, options: ExportOptions): Promise<ExportResult> {
  const netlist = await modelToNetlist(model, inputShape);
  const vectors = signEncodeBits(test.features, model.spec.encoder.threshold);
  const simulated = simulateNetlist(netlist, vectors, test.count);
  const reference = await evaluate(model, test, { binary: true });

  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < test.count; i++) {
    if (simulated.predictions[i] !== reference.predictions[i]) {
      mismatches++;
      if (first < 0) first = i;
    }
  }
  if (mismatches > 0) {
    throw new ExportError(
      `the netlist disagrees with the model's binary inference on ${mismatches} of ${test.count} test samples ` +
        `(first: sample ${first}, model class ${reference.predictions[first]}, netlist class ${simulated.predictions[first]}); the bundle was not written`,
    );
  }

  const files = buildBundle(netlist, { vectors, expected: simulated.predictions, labels: test.labels, registered: options.registered });
  return { netlist, files, zip: zipBundle(files), testAccuracy: reference.accuracy, samples: test.count };
}
