/**
 * The LUT op on plain typed arrays: the kernel for the cpu and wasm backends.
 *
 * Layout: x is [batch][inputWidth], weights are [neurons][tablesPerNeuron][2^k], the mask is
 * [neurons][tablesPerNeuron][k] and the output is [batch][neurons]. Neuron j outputs
 *
 *     y[b][j] = |gamma| * sum over its tables t of f_t(x[b][mask_t])
 *
 * (sum of sign(|gamma| f_t) with `binarizeOutput`), where f_t is the Lagrange form
 * f(x) = sum_p w_p * prod_i (1 + s_p,i x_i) / 2 over the table's 2^k entries. Input i is
 * address bit i and s_p,i = +1 where that bit of p is set.
 *
 * With `binarizeEntries` the
 * stored entries pass through sign() first (sign(0) = +1), and their gradient through the
 * straight-through estimator: it passes where the stored entry has |w| <= 1.
 *
 * Every loop runs over the batch innermost, on inputs transposed to [inputWidth][batch], so
 * the JIT gets long, simple loops over contiguous memory.
 *
 * Binary inputs: the product is one-hot at the address, so the forward pass reads one entry,
 * the entry's gradient is the output gradient, and df/dx_i is half the difference of the two
 * entries whose addresses differ in bit i: O(k) per table and sample.
 *
 * Real inputs: f is evaluated in its monomial form f(x) = sum_S c_S prod_{i in S} x_i, with
 * the coefficients c = H w / 2^k (H the Walsh-Hadamard butterfly) computed once per table.
 * Folding out one input at a time costs 2^k - 1 multiply-adds per sample; the backward pass
 * runs that fold in reverse, about 3 * 2^k multiply-adds per sample for all k input
 * gradients and the entry gradients together.
 *
 * With binary inputs, the chunks run in WebAssembly where the workspace is the memory of the
 * kernels in kernel.wat. Those kernels repeat the binary-input chunks below, operation for
 * operation, and give the same bits. The functions here remain for the real-input form and
 * for platforms without WebAssembly.
 *
 * Work is split into chunks of whole neurons, and the chunk count depends only on the shape
 * and the batch. Each chunk owns its outputs: its neurons' columns of y, its tables' entry
 * gradients, and its own partial sums of the input and gamma gradients. The partial sums are
 * added in chunk order at the end. Chunks can therefore run on any thread in any order and the result
 * is the same bit for bit (see pool.ts).
 */

export interface LutGradients {
  dx: Float32Array;
  dWeights: Float32Array;
  dGamma: number;
}

/** The numbers that fix a workspace's layout. */
export interface LutJobShape {
  batch: number;
  inputWidth: number;
  neurons: number;
  tablesPerNeuron: number;
  k: number;
  binaryInputs: boolean;
  binarizeOutput: boolean;
  binarizeEntries: boolean;
}

/** The exports of kernel.wat, instantiated on the memory that contains a workspace. */
export interface LutWasmKernels {
  forwardBinary(header: number, chunk: number): void;
  backwardBinary(header: number, chunk: number): void;
}

/**
 * The arrays of one op call, each a view into one buffer (an ArrayBuffer, or a
 * SharedArrayBuffer when helper threads take part). `lutLayout` places them.
 */
export interface LutWorkspace extends LutJobShape {
  chunks: number;
  /**
   * The WebAssembly kernels of this thread when the buffer is their memory. The binary-input
   * chunks then run there and give the same bits as the JavaScript ones.
   */
  wasm?: LutWasmKernels;
  /** Byte offset of the header that the WebAssembly kernels read (see kernel.wat). */
  header: number;
  /** Samples per row of the transposed inputs and the addresses: batch rounded up to 4 with binary inputs. */
  stride: number;
  /** [0] = |gamma|. */
  scalars: Float64Array;
  /** Binary inputs: the input bits transposed to [inputWidth][stride] bytes, read 4 samples per word. */
  bitWords: Uint32Array;
  /** Real inputs: x transposed to [inputWidth][batch]. */
  columns: Float64Array;
  mask: Int32Array;
  weights: Float32Array;
  /** Binary inputs: each table's address per sample, [tables][stride] bytes. */
  addresses: Uint8Array;
  y: Float32Array;
  /** The output gradient transposed to [neurons][batch]. */
  dyColumns: Float64Array;
  dWeights: Float32Array;
  /** Input-gradient partial sums per chunk, [chunks][inputWidth + 1][stride]; row inputWidth is scratch. */
  dxPartials: Float64Array;
  /** dL/d|gamma| partial sums per chunk. */
  dGammaPartials: Float64Array;
}

/**
 * Builds the kernel functions. Everything they use is defined inside this function, with no
 * reference to anything outside it, so that pool.ts can start helper threads from its source
 * text (`lutKernels.toString()`). Keep it that way: no imports, classes or module-level names.
 */
export function lutKernels() {
  /** Words of the header that the WebAssembly kernels read. */
  const WASM_HEADER_WORDS = 20;
  /** Work per call below which the op runs as one chunk: thread hand-offs would cost more. */
  const MIN_PARALLEL_WORK = 1 << 16;
  /** Chunks of larger calls; enough to keep a few threads busy as chunks finish unevenly. */
  const PARALLEL_CHUNKS = 8;

  function chunkCount(job: LutJobShape): number {
    const work = job.batch * job.neurons * job.tablesPerNeuron * job.k;
    return work < MIN_PARALLEL_WORK ? 1 : Math.min(PARALLEL_CHUNKS, job.neurons);
  }

  /** First neuron of chunk c; chunk c covers neurons [chunkStart(c), chunkStart(c + 1)). */
  function chunkStart(space: LutWorkspace, c: number): number {
    return Math.floor((c * space.neurons) / space.chunks);
  }

  /** Byte offsets of every array in the workspace buffer, and its total size. */
  function lutLayout(job: LutJobShape) {
    const tables = job.neurons * job.tablesPerNeuron;
    const entries = 1 << job.k;
    const chunks = chunkCount(job);
    const stride = job.binaryInputs ? (job.batch + 3) & ~3 : job.batch;
    let size = 0;
    const place = (bytes: number) => {
      const at = size;
      size += (bytes + 7) & ~7;
      return at;
    };
    // Per-chunk scratch of the WebAssembly kernels: sums or the table, dy sums, slopes, rows.
    const pairedK = (job.k + 1) & ~1;
    const scratchBytes = (8 * stride + 8 * entries * (2 + pairedK) + 4 * pairedK + 63) & ~63;
    return {
      chunks,
      stride,
      scratchBytes,
      header: place(4 * WASM_HEADER_WORDS),
      scratch: place(job.binaryInputs ? chunks * scratchBytes : 0),
      scalars: place(8),
      dGammaPartials: place(8 * chunks),
      bitWords: place(job.binaryInputs ? job.inputWidth * stride : 0),
      columns: place(job.binaryInputs ? 0 : 8 * job.inputWidth * job.batch),
      mask: place(4 * tables * job.k),
      weights: place(4 * tables * entries),
      addresses: place(job.binaryInputs ? tables * stride : 0),
      y: place(4 * job.batch * job.neurons),
      dyColumns: place(8 * job.neurons * job.batch),
      dWeights: place(4 * tables * entries),
      dxPartials: place(8 * chunks * (job.inputWidth + 1) * stride),
      size,
    };
  }

  /**
   * Views the arrays of a job in `buffer`, which must hold at least `lutLayout(job).size` bytes.
   * Pass `wasm` when `buffer` is the memory of this thread's WebAssembly kernels.
   */
  function lutWorkspace(job: LutJobShape, buffer: ArrayBuffer | SharedArrayBuffer, wasm?: LutWasmKernels): LutWorkspace {
    const at = lutLayout(job);
    const tables = job.neurons * job.tablesPerNeuron;
    const entries = 1 << job.k;
    return {
      ...job,
      wasm,
      header: at.header,
      chunks: at.chunks,
      stride: at.stride,
      scalars: new Float64Array(buffer, at.scalars, 1),
      dGammaPartials: new Float64Array(buffer, at.dGammaPartials, at.chunks),
      bitWords: new Uint32Array(buffer, at.bitWords, job.binaryInputs ? (job.inputWidth * at.stride) >> 2 : 0),
      columns: new Float64Array(buffer, at.columns, job.binaryInputs ? 0 : job.inputWidth * job.batch),
      mask: new Int32Array(buffer, at.mask, tables * job.k),
      weights: new Float32Array(buffer, at.weights, tables * entries),
      addresses: new Uint8Array(buffer, at.addresses, job.binaryInputs ? tables * at.stride : 0),
      y: new Float32Array(buffer, at.y, job.batch * job.neurons),
      dyColumns: new Float64Array(buffer, at.dyColumns, job.neurons * job.batch),
      dWeights: new Float32Array(buffer, at.dWeights, tables * entries),
      dxPartials: new Float64Array(buffer, at.dxPartials, at.chunks * (job.inputWidth + 1) * at.stride),
    };
  }

  /** Writes the header that the WebAssembly kernels read. The caller runs it once per call, before any chunk. */
  function writeWasmHeader(space: LutWorkspace): void {
    const at = lutLayout(space);
    const flags = (space.binarizeOutput ? 1 : 0) | (space.binarizeEntries ? 2 : 0);
    const fields = [
      space.batch, space.inputWidth, space.neurons, space.tablesPerNeuron,
      space.k, space.stride, space.chunks, flags,
      at.weights, at.mask, at.bitWords, at.addresses,
      at.y, at.dyColumns, at.dWeights, at.dxPartials,
      at.dGammaPartials, at.scratch, at.scratchBytes, at.scalars,
    ];
    new Int32Array(space.y.buffer, space.header, WASM_HEADER_WORDS).set(fields);
  }

  /** Fills the transposed inputs from x ([batch][inputWidth]); run once before the forward chunks. */
  function prepareInputs(space: LutWorkspace, x: Float32Array): void {
    const { batch, inputWidth, stride } = space;
    if (space.binaryInputs) {
      const bits = new Uint8Array(space.bitWords.buffer, space.bitWords.byteOffset, inputWidth * stride);
      bits.fill(0);
      for (let b = 0; b < batch; b++) {
        const row = b * inputWidth;
        for (let c = 0; c < inputWidth; c++) bits[c * stride + b] = x[row + c] >= 0 ? 1 : 0;
      }
      return;
    }
    const columns = space.columns;
    for (let b = 0; b < batch; b++) {
      const row = b * inputWidth;
      for (let c = 0; c < inputWidth; c++) columns[c * batch + b] = x[row + c];
    }
  }

  /** Fills the transposed output gradient from dy ([batch][neurons]); run once before the backward chunks. */
  function prepareOutputGradient(space: LutWorkspace, dy: Float32Array): void {
    const { batch, neurons, dyColumns } = space;
    for (let b = 0; b < batch; b++) {
      const row = b * neurons;
      for (let j = 0; j < neurons; j++) dyColumns[j * batch + b] = dy[row + j];
    }
  }

  /**
   * Writes the addresses of table t for every sample. Four samples' bits share one Uint32
   * word, and `word << i` moves all four to address bit i at once without crossing a byte
   * because i < 8.
   */
  function tableAddresses(space: LutWorkspace, addressWords: Uint32Array, t: number, inputs: Int32Array): void {
    const { k, mask, bitWords } = space;
    const words = space.stride >> 2;
    const out = t * words;
    for (let i = 0; i < k; i++) inputs[i] = mask[t * k + i] * words;
    for (let w = 0; w < words; w++) {
      let address = 0;
      for (let i = 0; i < k; i++) address |= bitWords[inputs[i] + w] << i;
      addressWords[out + w] = address;
    }
  }

  /** Copies the entries of the table at `base` into `out`, as signs (sign(0) = +1) with `binarizeEntries`. */
  function loadTable(space: LutWorkspace, base: number, out: Float64Array): void {
    const { weights } = space;
    const entries = out.length;
    if (space.binarizeEntries) {
      for (let p = 0; p < entries; p++) out[p] = weights[base + p] >= 0 ? 1 : -1;
    } else {
      for (let p = 0; p < entries; p++) out[p] = weights[base + p];
    }
  }

  /**
   * Returns the straight-through factor of an entry's gradient: with `binarizeEntries` the gradient
   * passes where the stored entry w has |w| <= 1, as for the inputs.
   */
  function entryPass(space: LutWorkspace, index: number): number {
    return !space.binarizeEntries || Math.abs(space.weights[index]) <= 1 ? 1 : 0;
  }

  /**
   * Turns a table's entries in `values` into its monomial coefficients c = H w / 2^k, in place:
   * stage i replaces each pair (lo, hi) differing in bit i by ((lo + hi) / 2, (hi - lo) / 2).
   */
  function monomialCoefficients(values: Float64Array, k: number): void {
    const entries = 1 << k;
    const out = values;
    for (let i = 0; i < k; i++) {
      const bit = 1 << i;
      for (let p = 0; p < entries; p++) {
        if (p & bit) continue;
        const lo = out[p];
        const hi = out[p | bit];
        out[p] = (lo + hi) / 2;
        out[p | bit] = (hi - lo) / 2;
      }
    }
  }

  /** Applies the transpose of `monomialCoefficients`' linear map in place: the chain rule from dc to dw. */
  function monomialCoefficientsTranspose(values: Float64Array, k: number): void {
    const entries = 1 << k;
    for (let i = 0; i < k; i++) {
      const bit = 1 << i;
      for (let p = 0; p < entries; p++) {
        if (p & bit) continue;
        const lo = values[p];
        const hi = values[p | bit];
        values[p] = (lo - hi) / 2;
        values[p | bit] = (lo + hi) / 2;
      }
    }
  }

  /**
   * Folds the inputs out of a table in monomial form, for every sample at once. Level i has
   * 2^i nodes of `batch` values at offset (2^i - 1) * batch of `levels`:
   *
   *     g_k = c,   g_i[q] = g_{i+1}[q] + x_i * g_{i+1}[q + 2^i]   (q < 2^i),   f = g_0[0]
   *
   * Level 0 (offset 0) ends up holding f for each sample. `inputs[i]` is the offset of input
   * i's column in `columns`.
   */
  function foldTable(coefficients: Float64Array, columns: Float64Array, inputs: Int32Array, k: number, batch: number, levels: Float64Array): void {
    const top = k - 1;
    const topHalf = 1 << top;
    const topColumn = inputs[top];
    for (let q = 0; q < topHalf; q++) {
      const out = (topHalf - 1 + q) * batch;
      const low = coefficients[q];
      const high = coefficients[q + topHalf];
      for (let b = 0; b < batch; b++) levels[out + b] = low + columns[topColumn + b] * high;
    }
    for (let i = top - 1; i >= 0; i--) {
      const half = 1 << i;
      const column = inputs[i];
      const parent = (2 * half - 1) * batch;
      for (let q = 0; q < half; q++) {
        const out = (half - 1 + q) * batch;
        const low = parent + q * batch;
        const high = parent + (q + half) * batch;
        for (let b = 0; b < batch; b++) levels[out + b] = levels[low + b] + columns[column + b] * levels[high + b];
      }
    }
  }

  /** Forward pass of chunk c: y for its neurons, and with binary inputs its tables' addresses. */
  function forwardChunk(space: LutWorkspace, c: number): void {
    if (space.wasm && space.binaryInputs) {
      space.wasm.forwardBinary(space.header, c);
      return;
    }
    const { batch, neurons, tablesPerNeuron, k, mask, y } = space;
    const entries = 1 << k;
    const scale = space.scalars[0];
    const binarize = space.binarizeOutput;
    const sums = new Float64Array(batch);
    const inputs = new Int32Array(k);
    const table = new Float64Array(entries);
    const levels = space.binaryInputs ? new Float64Array(0) : new Float64Array(Math.max(1, entries - 1) * batch);
    const addresses = space.addresses;
    const addressWords = new Uint32Array(addresses.buffer, addresses.byteOffset, addresses.length >> 2);
    const stride = space.stride;

    for (let j = chunkStart(space, c); j < chunkStart(space, c + 1); j++) {
      sums.fill(0);
      for (let tj = 0; tj < tablesPerNeuron; tj++) {
        const t = j * tablesPerNeuron + tj;
        loadTable(space, t * entries, table);
        if (space.binaryInputs) {
          tableAddresses(space, addressWords, t, inputs);
          const aBase = t * stride;
          if (binarize) {
            for (let b = 0; b < batch; b++) sums[b] += scale * table[addresses[aBase + b]] >= 0 ? 1 : -1;
          } else {
            for (let b = 0; b < batch; b++) sums[b] += table[addresses[aBase + b]];
          }
          continue;
        }
        monomialCoefficients(table, k);
        for (let i = 0; i < k; i++) inputs[i] = mask[t * k + i] * batch;
        foldTable(table, space.columns, inputs, k, batch, levels);
        if (binarize) {
          for (let b = 0; b < batch; b++) sums[b] += scale * levels[b] >= 0 ? 1 : -1;
        } else {
          for (let b = 0; b < batch; b++) sums[b] += levels[b];
        }
      }
      // Sum first, scale once: with ±1 entries and binary inputs the sum is an exact integer S,
      // so the output is exactly fround(|gamma| * S) whatever the order of the tables.
      const factor = binarize ? 1 : scale;
      for (let b = 0; b < batch; b++) y[b * neurons + j] = sums[b] * factor;
    }
  }

  /** Returns chunk c's input-gradient partial sums, [inputWidth + 1][stride], set to zero. */
  function zeroedInputGradient(space: LutWorkspace, c: number): Float64Array {
    const rowLength = (space.inputWidth + 1) * space.stride;
    const dx = new Float64Array(space.dxPartials.buffer, space.dxPartials.byteOffset + 8 * c * rowLength, rowLength);
    dx.fill(0);
    return dx;
  }

  /**
   * Backward pass of chunk c with binary inputs. With o_t = |gamma| f_t (or its sign, whose
   * straight-through gradient passes where |gamma f_t| <= 1), every gradient of table t
   * depends on a sample only through its address p and its output gradient dy:
   *
   *     dL/dw_p  = |gamma| pass(p) * (sum of dy over the samples at address p)
   *     dL/dx_i += dy * |gamma| pass(p) * (w[p with bit i set] - w[p with bit i clear]) / 2
   *     dL/d|gamma| += w_p pass(p) * (sum of dy over the samples at address p)
   *
   * so the per-sample work is one scatter and k multiply-adds. The input gradients go two
   * table inputs per pass over the batch. An odd k is padded with an input that points to the
   * scratch row and has zero slopes.
   */
  function backwardBinaryChunk(space: LutWorkspace, c: number): void {
    const { batch, inputWidth, tablesPerNeuron, k, mask, addresses, dyColumns, dWeights, stride } = space;
    const entries = 1 << k;
    const scale = space.scalars[0];
    const pairedK = (k + 1) & ~1;
    const dx = zeroedInputGradient(space, c);
    const table = new Float64Array(entries);
    const dySums = new Float64Array(entries);
    // slopes[p][i]: dL/dx_i per unit of dy at address p.
    const slopes = new Float64Array(entries * pairedK);
    const rows = new Int32Array(pairedK).fill(inputWidth * stride);
    let dGamma = 0;

    for (let j = chunkStart(space, c); j < chunkStart(space, c + 1); j++) {
      const dyBase = j * batch;
      for (let tj = 0; tj < tablesPerNeuron; tj++) {
        const t = j * tablesPerNeuron + tj;
        const wBase = t * entries;
        const aBase = t * stride;

        loadTable(space, wBase, table);
        dySums.fill(0);
        for (let b = 0; b < batch; b++) dySums[addresses[aBase + b]] += dyColumns[dyBase + b];
        for (let i = 0; i < k; i++) rows[i] = mask[t * k + i] * stride;
        for (let p = 0; p < entries; p++) {
          const w = table[p];
          const pass = !space.binarizeOutput || Math.abs(scale * w) <= 1 ? 1 : 0;
          dWeights[wBase + p] = scale * pass * dySums[p] * entryPass(space, wBase + p);
          dGamma += w * pass * dySums[p];
          const factor = (scale * pass) / 2;
          for (let i = 0; i < k; i++) {
            const bit = 1 << i;
            slopes[p * pairedK + i] = factor * (table[p | bit] - table[p & ~bit]);
          }
        }
        for (let pair = 0; pair < pairedK; pair += 2) {
          const row0 = rows[pair];
          const row1 = rows[pair + 1];
          for (let b = 0; b < batch; b++) {
            const at = addresses[aBase + b] * pairedK + pair;
            const d = dyColumns[dyBase + b];
            dx[row0 + b] += d * slopes[at];
            dx[row1 + b] += d * slopes[at + 1];
          }
        }
      }
    }
    space.dGammaPartials[c] = dGamma;
  }

  /**
   * Backward pass of chunk c with real inputs: the fold of `foldTable` in reverse. The adjoint
   * starts as df at the root; descending level i, each node q sends its adjoint unchanged to
   * child q and times x_i to child q + 2^i, and dx_i collects adjoint * g_{i+1}[q + 2^i]. At
   * the leaves the adjoint is df * prod_{i in S} x_i, whose sum over the batch is dL/dc_S; the
   * transposed butterfly turns it into dL/dw.
   */
  function backwardRealChunk(space: LutWorkspace, c: number): void {
    const { batch, inputWidth, tablesPerNeuron, k, mask, columns, dyColumns, dWeights } = space;
    const entries = 1 << k;
    const scale = space.scalars[0];
    const dx = zeroedInputGradient(space, c);
    const coefficients = new Float64Array(entries);
    const levels = new Float64Array(Math.max(1, entries - 1) * batch);
    const adjoint = new Float64Array((entries >> 1) * batch);
    const dCoefficients = new Float64Array(entries);
    const inputs = new Int32Array(k);
    let dGamma = 0;

    for (let j = chunkStart(space, c); j < chunkStart(space, c + 1); j++) {
      const dyBase = j * batch;
      for (let tj = 0; tj < tablesPerNeuron; tj++) {
        const t = j * tablesPerNeuron + tj;
        const wBase = t * entries;
        loadTable(space, wBase, coefficients);
        monomialCoefficients(coefficients, k);
        for (let i = 0; i < k; i++) inputs[i] = mask[t * k + i] * batch;
        foldTable(coefficients, columns, inputs, k, batch, levels);

        // Root: levels[b] is f for sample b.
        let gammaSum = 0;
        for (let b = 0; b < batch; b++) {
          const f = levels[b];
          const pass = !space.binarizeOutput || Math.abs(scale * f) <= 1 ? 1 : 0;
          adjoint[b] = dyColumns[dyBase + b] * scale * pass;
          gammaSum += dyColumns[dyBase + b] * f * pass;
        }
        dGamma += gammaSum;

        for (let i = 0; i < k; i++) {
          const half = 1 << i;
          const column = inputs[i];
          for (let q = 0; q < half; q++) {
            const node = q * batch;
            if (i === k - 1) {
              // Last level: the children are leaves, so sum their adjoints over the batch
              // here instead of storing them.
              const high = coefficients[q + half];
              let lowSum = 0;
              let highSum = 0;
              for (let b = 0; b < batch; b++) {
                const a = adjoint[node + b];
                dx[column + b] += a * high;
                lowSum += a;
                highSum += a * columns[column + b];
              }
              dCoefficients[q] = lowSum;
              dCoefficients[q + half] = highSum;
            } else {
              const high = (2 * half - 1 + q + half) * batch;
              const child = (q + half) * batch;
              for (let b = 0; b < batch; b++) {
                const a = adjoint[node + b];
                dx[column + b] += a * levels[high + b];
                adjoint[child + b] = a * columns[column + b];
              }
            }
          }
        }

        monomialCoefficientsTranspose(dCoefficients, k);
        for (let p = 0; p < entries; p++) dWeights[wBase + p] = dCoefficients[p] * entryPass(space, wBase + p);
      }
    }
    space.dGammaPartials[c] = dGamma;
  }

  function backwardChunk(space: LutWorkspace, c: number): void {
    if (space.wasm && space.binaryInputs) space.wasm.backwardBinary(space.header, c);
    else if (space.binaryInputs) backwardBinaryChunk(space, c);
    else backwardRealChunk(space, c);
  }

  /**
   * Adds the chunks' partial sums in chunk order: dx as [batch][inputWidth] and dL/d|gamma|.
   * The sign of gamma is applied by the caller.
   */
  function finishBackward(space: LutWorkspace): { dx: Float32Array; dAbsGamma: number } {
    const { batch, inputWidth, stride, chunks, dxPartials } = space;
    const rowLength = (inputWidth + 1) * stride;
    const dx = new Float32Array(batch * inputWidth);
    for (let col = 0; col < inputWidth; col++) {
      for (let b = 0; b < batch; b++) {
        let sum = dxPartials[col * stride + b];
        for (let c = 1; c < chunks; c++) sum += dxPartials[c * rowLength + col * stride + b];
        dx[b * inputWidth + col] = sum;
      }
    }
    let dAbsGamma = 0;
    for (let c = 0; c < chunks; c++) dAbsGamma += space.dGammaPartials[c];
    return { dx, dAbsGamma };
  }

  return { chunkCount, lutLayout, lutWorkspace, writeWasmHeader, prepareInputs, prepareOutputGradient, forwardChunk, backwardChunk, finishBackward };
}

export type LutKernels = ReturnType<typeof lutKernels>;

/** The kernels of this thread. */
export const kernels = lutKernels();
