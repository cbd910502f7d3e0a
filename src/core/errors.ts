/**
 * Error types of the DeepLUT library. Each message names the offending value and the fix,
 * so that the command line can print it as one line and the playground can show it as is.
 */

/** Base class: every error the library raises on purpose is a DeepLutError. */
export class DeepLutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An experiment spec that fails validation; `issues` lists each problem as `path: message`. */
export class SpecError extends DeepLutError {
  constructor(readonly issues: string[]) {
    super(issues.length === 1 ? `invalid spec: ${issues[0]}` : `invalid spec:\n  ${issues.join('\n  ')}`);
  }
}

/** A dataset file or array that cannot be read: truncated, wrong format, or labels out of range. */
export class DataError extends DeepLutError {}

/** A model that cannot be turned into a netlist or Verilog, with the layer that prevents it. */
export class ExportError extends DeepLutError {}

/** A saved model (`model.json`) that cannot be loaded. */
export class CheckpointError extends DeepLutError {}
