;; The inner loop of the netlist simulator in WebAssembly: countNeuron in simulate.ts, on
;; 128-bit vectors of 128 samples instead of 32-bit words. The results are the same bits.
;;
;; Memory layout, all set up by simulate.ts for one layer:
;;   truth tables  [tables][2^k] bytes of 0 or 1
;;   inputs        [tables][k] i32 input indices
;;   source        [input bits][vectors] v128, the layer's input bits, 128 samples per vector
;;   counter       [bits][vectors] v128, the vertical popcount of one neuron
;;   scratch       [2^(k-1)][vectors] v128
;; src/cli/build-wasm.ts turns this file into simulate-wasm-binary.ts.
(module
  (import "env" "memory" (memory 1 65536))

  ;; Sets `counter` to the popcount of the tables of `neuron` over every sample, as countNeuron
  ;; does: each table by Shannon expansion, one mux level at a time over all vectors, then a
  ;; ripple-carry increment that stops when no sample carries. Every count is at least 1.
  (func (export "countNeuron")
    (param $neuron i32) (param $tablesPerNeuron i32) (param $k i32)
    (param $truthTables i32) (param $inputs i32) (param $source i32) (param $vectors i32)
    (param $counter i32) (param $bits i32) (param $scratch i32)
    (local $rowBytes i32) (local $t i32) (local $entries i32) (local $live i32)
    (local $p i32) (local $v i32) (local $i i32) (local $b i32) (local $at i32)
    (local $entry i32) (local $inputRow i32) (local $select i32) (local $out i32) (local $low i32)
    (local $lowValue v128) (local $highValue v128) (local $carry v128) (local $word v128)
    (local.set $rowBytes (i32.shl (local.get $vectors) (i32.const 4)))
    (local.set $entries (i32.shl (i32.const 1) (local.get $k)))
    (memory.fill (local.get $counter) (i32.const 0) (i32.mul (local.get $bits) (local.get $rowBytes)))
    (local.set $inputRow (i32.add (local.get $inputs) (i32.shl (i32.mul (i32.mul (local.get $neuron) (local.get $tablesPerNeuron)) (local.get $k)) (i32.const 2))))
    (local.set $entry (i32.add (local.get $truthTables) (i32.mul (i32.mul (local.get $neuron) (local.get $tablesPerNeuron)) (local.get $entries))))
    (loop $tables
      ;; Level 0: each pair of entries selected by input 0, the address LSB.
      (local.set $select (i32.add (local.get $source) (i32.mul (i32.load (local.get $inputRow)) (local.get $rowBytes))))
      (local.set $live (i32.shr_u (local.get $entries) (i32.const 1)))
      (local.set $p (i32.const 0))
      (loop $pairs
        (local.set $lowValue (i32x4.splat (i32.sub (i32.const 0) (i32.load8_u (i32.add (local.get $entry) (i32.shl (local.get $p) (i32.const 1)))))))
        (local.set $highValue (i32x4.splat (i32.sub (i32.const 0) (i32.load8_u offset=1 (i32.add (local.get $entry) (i32.shl (local.get $p) (i32.const 1)))))))
        (local.set $out (i32.add (local.get $scratch) (i32.mul (local.get $p) (local.get $rowBytes))))
        (local.set $v (i32.const 0))
        (loop $vector
          (local.set $at (i32.shl (local.get $v) (i32.const 4)))
          (v128.store (i32.add (local.get $out) (local.get $at))
            (v128.bitselect (local.get $highValue) (local.get $lowValue) (v128.load (i32.add (local.get $select) (local.get $at)))))
          (br_if $vector (i32.lt_u (local.tee $v (i32.add (local.get $v) (i32.const 1))) (local.get $vectors))))
        (br_if $pairs (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $live))))

      ;; Level i merges the pairs that differ in address bit i.
      (local.set $i (i32.const 1))
      (block $levelsDone
        (br_if $levelsDone (i32.ge_u (local.get $i) (local.get $k)))
        (loop $levels
          (local.set $select
            (i32.add (local.get $source)
              (i32.mul (i32.load (i32.add (local.get $inputRow) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
          (local.set $live (i32.shr_u (local.get $live) (i32.const 1)))
          (local.set $p (i32.const 0))
          (loop $nodes
            (local.set $out (i32.add (local.get $scratch) (i32.mul (local.get $p) (local.get $rowBytes))))
            (local.set $low (i32.add (local.get $scratch) (i32.mul (i32.shl (local.get $p) (i32.const 1)) (local.get $rowBytes))))
            (local.set $v (i32.const 0))
            (loop $vector
              (local.set $at (i32.shl (local.get $v) (i32.const 4)))
              (v128.store (i32.add (local.get $out) (local.get $at))
                (v128.bitselect
                  (v128.load (i32.add (i32.add (local.get $low) (local.get $rowBytes)) (local.get $at)))
                  (v128.load (i32.add (local.get $low) (local.get $at)))
                  (v128.load (i32.add (local.get $select) (local.get $at)))))
              (br_if $vector (i32.lt_u (local.tee $v (i32.add (local.get $v) (i32.const 1))) (local.get $vectors))))
            (br_if $nodes (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $live))))
          (br_if $levels (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $k)))))

      ;; Add the table's output to the counter.
      (local.set $v (i32.const 0))
      (loop $vector
        (local.set $at (i32.shl (local.get $v) (i32.const 4)))
        (local.set $carry (v128.load (i32.add (local.get $scratch) (local.get $at))))
        (local.set $b (i32.const 0))
        (block $carried
          (loop $ripple
            (br_if $carried (i32.eqz (v128.any_true (local.get $carry))))
            (br_if $carried (i32.ge_u (local.get $b) (local.get $bits)))
            (local.set $out (i32.add (i32.add (local.get $counter) (i32.mul (local.get $b) (local.get $rowBytes))) (local.get $at)))
            (local.set $word (v128.load (local.get $out)))
            (v128.store (local.get $out) (v128.xor (local.get $word) (local.get $carry)))
            (local.set $carry (v128.and (local.get $word) (local.get $carry)))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $ripple)))
        (br_if $vector (i32.lt_u (local.tee $v (i32.add (local.get $v) (i32.const 1))) (local.get $vectors))))

      (local.set $inputRow (i32.add (local.get $inputRow) (i32.shl (local.get $k) (i32.const 2))))
      (local.set $entry (i32.add (local.get $entry) (local.get $entries)))
      (br_if $tables (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $tablesPerNeuron)))))
)
