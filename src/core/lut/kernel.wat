;; The binary-input LUT kernels in WebAssembly: the same chunks as forwardChunk and
;; backwardChunk in kernel-js.ts, with the same arithmetic in the same order, so both give
;; the same bits. WebAssembly checks memory bounds with guard pages instead of a compare per
;; access, which makes these gather and scatter loops faster than their JavaScript twins.
;;
;; The workspace is this module's memory. Every function takes the byte offset of a header
;; that the calling thread writes once per call (see writeWasmHeader in kernel-js.ts):
;;
;;   word  0 batch            1 inputWidth        2 neurons        3 tablesPerNeuron
;;   word  4 k                5 stride            6 chunks         7 flags: 1 binarizeOutput, 2 binarizeEntries
;;   word  8 weights          9 mask             10 bitWords      11 addresses
;;   word 12 y               13 dyColumns        14 dWeights      15 dxPartials
;;   word 16 dGammaPartials  17 scratch          18 scratch bytes per chunk
;;   word 19 scalars (|gamma| as f64)
;;
;; Loops test their condition at the end, so the batch, k and the tables per neuron must be
;; at least 1; pool.ts checks every call before it reaches these functions.
;;
;; Words 8 to 19 are byte offsets into the memory. Each chunk has its own scratch area:
;; the table as f64 values, the dy sums per address, the slopes and the rows of the inputs.
;; src/cli/build-wasm.ts turns this file into kernel-wasm-binary.ts.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; First neuron of chunk c: floor(c * neurons / chunks), as chunkStart in kernel-js.ts.
  (func $chunkStart (param $h i32) (param $c i32) (result i32)
    (i32.wrap_i64
      (i64.div_u
        (i64.mul (i64.extend_i32_u (local.get $c)) (i64.extend_i32_u (i32.load offset=8 (local.get $h))))
        (i64.extend_i32_u (i32.load offset=24 (local.get $h))))))

  ;; Copies table t's entries to `table` as f64, as signs with binarizeEntries.
  (func $loadTable (param $h i32) (param $t i32) (param $table i32)
    (local $entries i32) (local $from i32) (local $p i32) (local $w f32)
    (local.set $entries (i32.shl (i32.const 1) (i32.load offset=16 (local.get $h))))
    (local.set $from (i32.add (i32.load offset=32 (local.get $h)) (i32.shl (i32.mul (local.get $t) (local.get $entries)) (i32.const 2))))
    (if (i32.and (i32.load offset=28 (local.get $h)) (i32.const 2))
      (then
        (loop $sign
          (f64.store
            (i32.add (local.get $table) (i32.shl (local.get $p) (i32.const 3)))
            (select (f64.const 1) (f64.const -1)
              (f32.ge (f32.load (i32.add (local.get $from) (i32.shl (local.get $p) (i32.const 2)))) (f32.const 0))))
          (br_if $sign (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $entries)))))
      (else
        (loop $copy
          (f64.store
            (i32.add (local.get $table) (i32.shl (local.get $p) (i32.const 3)))
            (f64.promote_f32 (f32.load (i32.add (local.get $from) (i32.shl (local.get $p) (i32.const 2))))))
          (br_if $copy (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $entries)))))))

  ;; Writes table t's address for every sample, four samples per word (see tableAddresses).
  ;; `rows` receives the byte offsets of the table's input rows in bitWords.
  (func $tableAddresses (param $h i32) (param $t i32) (param $rows i32)
    (local $k i32) (local $stride i32) (local $i i32) (local $w i32) (local $end i32)
    (local $address i32) (local $out i32)
    (local.set $k (i32.load offset=16 (local.get $h)))
    (local.set $stride (i32.load offset=20 (local.get $h)))
    (loop $row
      (i32.store
        (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))
        (i32.add
          (i32.load offset=40 (local.get $h))
          (i32.mul
            (i32.load (i32.add (i32.load offset=36 (local.get $h)) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $k)) (local.get $i)) (i32.const 2))))
            (local.get $stride))))
      (br_if $row (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $k))))
    (local.set $out (i32.add (i32.load offset=44 (local.get $h)) (i32.mul (local.get $t) (local.get $stride))))
    (loop $word
      (local.set $address (i32.const 0))
      (local.set $i (i32.const 0))
      (loop $bit
        (local.set $address
          (i32.or (local.get $address)
            (i32.shl
              (i32.load (i32.add (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))) (local.get $w)))
              (local.get $i))))
        (br_if $bit (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $k))))
      (i32.store (i32.add (local.get $out) (local.get $w)) (local.get $address))
      (br_if $word (i32.lt_u (local.tee $w (i32.add (local.get $w) (i32.const 4))) (local.get $stride)))))

  ;; Forward pass of chunk c with binary inputs: y for its neurons and its tables' addresses.
  (func (export "forwardBinary") (param $h i32) (param $c i32)
    (local $batch i32) (local $neurons i32) (local $tablesPerNeuron i32) (local $entries i32)
    (local $stride i32) (local $binarize i32) (local $scale f64) (local $factor f64)
    (local $sums i32) (local $table i32) (local $rows i32)
    (local $j i32) (local $jEnd i32) (local $tj i32) (local $t i32) (local $b i32) (local $p i32)
    (local $addresses i32) (local $at i32) (local $y i32)
    (local.set $batch (i32.load offset=0 (local.get $h)))
    (local.set $neurons (i32.load offset=8 (local.get $h)))
    (local.set $tablesPerNeuron (i32.load offset=12 (local.get $h)))
    (local.set $entries (i32.shl (i32.const 1) (i32.load offset=16 (local.get $h))))
    (local.set $stride (i32.load offset=20 (local.get $h)))
    (local.set $binarize (i32.and (i32.load offset=28 (local.get $h)) (i32.const 1)))
    (local.set $scale (f64.load (i32.load offset=76 (local.get $h))))
    (local.set $factor (select (f64.const 1) (local.get $scale) (local.get $binarize)))
    (local.set $sums (i32.add (i32.load offset=68 (local.get $h)) (i32.mul (local.get $c) (i32.load offset=72 (local.get $h)))))
    (local.set $table (i32.add (local.get $sums) (i32.shl (local.get $stride) (i32.const 3))))
    (local.set $rows (i32.add (local.get $table) (i32.shl (local.get $entries) (i32.const 3))))
    (local.set $addresses (i32.load offset=44 (local.get $h)))
    (local.set $y (i32.load offset=48 (local.get $h)))
    (local.set $j (call $chunkStart (local.get $h) (local.get $c)))
    (local.set $jEnd (call $chunkStart (local.get $h) (i32.add (local.get $c) (i32.const 1))))
    (block $done
      (br_if $done (i32.ge_u (local.get $j) (local.get $jEnd)))
      (loop $neuron
        (memory.fill (local.get $sums) (i32.const 0) (i32.shl (local.get $batch) (i32.const 3)))
        (local.set $tj (i32.const 0))
        (loop $tables
          (local.set $t (i32.add (i32.mul (local.get $j) (local.get $tablesPerNeuron)) (local.get $tj)))
          (call $loadTable (local.get $h) (local.get $t) (local.get $table))
          ;; With binarized outputs the table holds each entry's sign(|gamma| w) instead.
          (if (local.get $binarize)
            (then
              (local.set $p (i32.const 0))
              (loop $sign
                (local.set $at (i32.add (local.get $table) (i32.shl (local.get $p) (i32.const 3))))
                (f64.store (local.get $at)
                  (select (f64.const 1) (f64.const -1) (f64.ge (f64.mul (local.get $scale) (f64.load (local.get $at))) (f64.const 0))))
                (br_if $sign (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $entries))))))
          (call $tableAddresses (local.get $h) (local.get $t) (local.get $rows))
          (local.set $at (i32.add (local.get $addresses) (i32.mul (local.get $t) (local.get $stride))))
          (local.set $b (i32.const 0))
          (loop $sample
            (local.set $p (i32.add (local.get $sums) (i32.shl (local.get $b) (i32.const 3))))
            (f64.store (local.get $p)
              (f64.add
                (f64.load (local.get $p))
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u (i32.add (local.get $at) (local.get $b))) (i32.const 3))))))
            (br_if $sample (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $batch))))
          (br_if $tables (i32.lt_u (local.tee $tj (i32.add (local.get $tj) (i32.const 1))) (local.get $tablesPerNeuron))))
        ;; y[b][j] = sums[b] * factor, rounded to f32.
        (local.set $b (i32.const 0))
        (loop $output
          (f32.store
            (i32.add (local.get $y) (i32.shl (i32.add (i32.mul (local.get $b) (local.get $neurons)) (local.get $j)) (i32.const 2)))
            (f32.demote_f64 (f64.mul (f64.load (i32.add (local.get $sums) (i32.shl (local.get $b) (i32.const 3)))) (local.get $factor))))
          (br_if $output (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $batch))))
        (br_if $neuron (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $jEnd))))))

  ;; Backward pass of chunk c with binary inputs (see backwardBinaryChunk in kernel-js.ts).
  (func (export "backwardBinary") (param $h i32) (param $c i32)
    (local $batch i32) (local $inputWidth i32) (local $tablesPerNeuron i32) (local $k i32)
    (local $entries i32) (local $stride i32) (local $flags i32) (local $pairedK i32)
    (local $scale f64) (local $dGamma f64) (local $w f64) (local $pass f64) (local $sum f64)
    (local $factor f64) (local $d f64)
    (local $dx i32) (local $table i32) (local $dySums i32) (local $slopes i32) (local $rows i32)
    (local $j i32) (local $jEnd i32) (local $tj i32) (local $t i32) (local $b i32) (local $p i32)
    (local $i i32) (local $bit i32) (local $pair i32) (local $row0 i32) (local $row1 i32)
    (local $dyBase i32) (local $aBase i32) (local $wIndex i32) (local $at i32) (local $stored i32)
    (local.set $batch (i32.load offset=0 (local.get $h)))
    (local.set $inputWidth (i32.load offset=4 (local.get $h)))
    (local.set $tablesPerNeuron (i32.load offset=12 (local.get $h)))
    (local.set $k (i32.load offset=16 (local.get $h)))
    (local.set $entries (i32.shl (i32.const 1) (local.get $k)))
    (local.set $stride (i32.load offset=20 (local.get $h)))
    (local.set $flags (i32.load offset=28 (local.get $h)))
    (local.set $pairedK (i32.and (i32.add (local.get $k) (i32.const 1)) (i32.const -2)))
    (local.set $scale (f64.load (i32.load offset=76 (local.get $h))))

    ;; This chunk's input-gradient partial sums, [inputWidth + 1][stride], set to zero.
    (local.set $dx
      (i32.add (i32.load offset=60 (local.get $h))
        (i32.shl (i32.mul (local.get $c) (i32.mul (i32.add (local.get $inputWidth) (i32.const 1)) (local.get $stride))) (i32.const 3))))
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.shl (i32.mul (i32.add (local.get $inputWidth) (i32.const 1)) (local.get $stride)) (i32.const 3)))

    (local.set $table (i32.add (i32.load offset=68 (local.get $h)) (i32.mul (local.get $c) (i32.load offset=72 (local.get $h)))))
    (local.set $dySums (i32.add (local.get $table) (i32.shl (local.get $entries) (i32.const 3))))
    (local.set $slopes (i32.add (local.get $dySums) (i32.shl (local.get $entries) (i32.const 3))))
    (local.set $rows (i32.add (local.get $slopes) (i32.shl (i32.mul (local.get $entries) (local.get $pairedK)) (i32.const 3))))
    ;; An odd k pads with an input that has zero slopes and points to the scratch row.
    (memory.fill (local.get $slopes) (i32.const 0) (i32.shl (i32.mul (local.get $entries) (local.get $pairedK)) (i32.const 3)))
    (i32.store (i32.add (local.get $rows) (i32.shl (local.get $k) (i32.const 2)))
      (i32.add (local.get $dx) (i32.shl (i32.mul (local.get $inputWidth) (local.get $stride)) (i32.const 3))))

    (local.set $j (call $chunkStart (local.get $h) (local.get $c)))
    (local.set $jEnd (call $chunkStart (local.get $h) (i32.add (local.get $c) (i32.const 1))))
    (block $done
      (br_if $done (i32.ge_u (local.get $j) (local.get $jEnd)))
      (loop $neuron
        (local.set $dyBase (i32.add (i32.load offset=52 (local.get $h)) (i32.shl (i32.mul (local.get $j) (local.get $batch)) (i32.const 3))))
        (local.set $tj (i32.const 0))
        (loop $tables
          (local.set $t (i32.add (i32.mul (local.get $j) (local.get $tablesPerNeuron)) (local.get $tj)))
          (local.set $aBase (i32.add (i32.load offset=44 (local.get $h)) (i32.mul (local.get $t) (local.get $stride))))
          (call $loadTable (local.get $h) (local.get $t) (local.get $table))

          ;; dy summed per address.
          (memory.fill (local.get $dySums) (i32.const 0) (i32.shl (local.get $entries) (i32.const 3)))
          (local.set $b (i32.const 0))
          (loop $sample
            (local.set $at (i32.add (local.get $dySums) (i32.shl (i32.load8_u (i32.add (local.get $aBase) (local.get $b))) (i32.const 3))))
            (f64.store (local.get $at)
              (f64.add (f64.load (local.get $at)) (f64.load (i32.add (local.get $dyBase) (i32.shl (local.get $b) (i32.const 3))))))
            (br_if $sample (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $batch))))

          ;; Rows of the table's inputs in dx.
          (local.set $i (i32.const 0))
          (loop $row
            (i32.store (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))
              (i32.add (local.get $dx)
                (i32.shl
                  (i32.mul
                    (i32.load (i32.add (i32.load offset=36 (local.get $h)) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $k)) (local.get $i)) (i32.const 2))))
                    (local.get $stride))
                  (i32.const 3))))
            (br_if $row (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $k))))

          ;; Entry gradients, the gamma sum and the slopes, per address.
          (local.set $p (i32.const 0))
          (loop $entry
            (local.set $w (f64.load (i32.add (local.get $table) (i32.shl (local.get $p) (i32.const 3)))))
            ;; 1 where the straight-through gradient of the table output passes.
            (local.set $pass
              (select (f64.const 1) (f64.const 0)
                (i32.or
                  (i32.eqz (i32.and (local.get $flags) (i32.const 1)))
                  (f64.le (f64.abs (f64.mul (local.get $scale) (local.get $w))) (f64.const 1)))))
            (local.set $sum (f64.load (i32.add (local.get $dySums) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $wIndex (i32.add (i32.mul (local.get $t) (local.get $entries)) (local.get $p)))
            (local.set $stored (i32.add (i32.load offset=56 (local.get $h)) (i32.shl (local.get $wIndex) (i32.const 2))))
            (f32.store (local.get $stored)
              (f32.demote_f64
                (f64.mul
                  (f64.mul (f64.mul (local.get $scale) (local.get $pass)) (local.get $sum))
                  ;; The straight-through factor of the stored entry (entryPass in kernel-js.ts).
                  (select (f64.const 1) (f64.const 0)
                    (i32.or
                      (i32.eqz (i32.and (local.get $flags) (i32.const 2)))
                      (f32.le
                        (f32.abs (f32.load (i32.add (i32.load offset=32 (local.get $h)) (i32.shl (local.get $wIndex) (i32.const 2)))))
                        (f32.const 1)))))))
            (local.set $dGamma (f64.add (local.get $dGamma) (f64.mul (f64.mul (local.get $w) (local.get $pass)) (local.get $sum))))
            (local.set $factor (f64.div (f64.mul (local.get $scale) (local.get $pass)) (f64.const 2)))
            (local.set $i (i32.const 0))
            (loop $slope
              (local.set $bit (i32.shl (i32.const 1) (local.get $i)))
              (f64.store
                (i32.add (local.get $slopes) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $pairedK)) (local.get $i)) (i32.const 3)))
                (f64.mul (local.get $factor)
                  (f64.sub
                    (f64.load (i32.add (local.get $table) (i32.shl (i32.or (local.get $p) (local.get $bit)) (i32.const 3))))
                    (f64.load (i32.add (local.get $table) (i32.shl (i32.and (local.get $p) (i32.xor (local.get $bit) (i32.const -1))) (i32.const 3)))))))
              (br_if $slope (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $k))))
            (br_if $entry (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $entries))))

          ;; Input gradients, two table inputs per pass over the batch.
          (local.set $pair (i32.const 0))
          (loop $pairs
            (local.set $row0 (i32.load (i32.add (local.get $rows) (i32.shl (local.get $pair) (i32.const 2)))))
            (local.set $row1 (i32.load (i32.add (local.get $rows) (i32.shl (i32.add (local.get $pair) (i32.const 1)) (i32.const 2)))))
            (local.set $b (i32.const 0))
            (loop $sample
              (local.set $at
                (i32.add (local.get $slopes)
                  (i32.shl
                    (i32.add (i32.mul (i32.load8_u (i32.add (local.get $aBase) (local.get $b))) (local.get $pairedK)) (local.get $pair))
                    (i32.const 3))))
              (local.set $d (f64.load (i32.add (local.get $dyBase) (i32.shl (local.get $b) (i32.const 3)))))
              (local.set $p (i32.add (local.get $row0) (i32.shl (local.get $b) (i32.const 3))))
              (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64.mul (local.get $d) (f64.load (local.get $at)))))
              (local.set $p (i32.add (local.get $row1) (i32.shl (local.get $b) (i32.const 3))))
              (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64.mul (local.get $d) (f64.load offset=8 (local.get $at)))))
              (br_if $sample (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $batch))))
            (br_if $pairs (i32.lt_u (local.tee $pair (i32.add (local.get $pair) (i32.const 2))) (local.get $pairedK))))
          (br_if $tables (i32.lt_u (local.tee $tj (i32.add (local.get $tj) (i32.const 1))) (local.get $tablesPerNeuron))))
        (br_if $neuron (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $jEnd)))))
    (f64.store (i32.add (i32.load offset=64 (local.get $h)) (i32.shl (local.get $c) (i32.const 3))) (local.get $dGamma)))
)
