;; The row kernels of the direct scoring path (./exp-kernel.ts embeds their bytes): the row's max
;; and argmax, block maxima, the k-th largest of them and the candidates above it, ranked (top-k
;; selection), float64 sums of float32 exps, and the terms of an exact KL divergence. The exps themselves come from ggml's
;; vectorized expf (./native-exp.ts) or Math.exp.
;; Rebuild: wat2wasm from wabt 1.0.37 (npm "wabt"), then base64 into KERNEL_BASE64 of exp-kernel.ts.
(module
  (memory (export "memory") 1)
;; max_f32: the largest of row[0..n) (n a multiple of 4, n >= 4), sixteen entries per step in four
;; accumulators (f32x4.pmax: one x86 maxps; NaN logits are not expected).
  (func (export "max_f32") (param $row i32) (param $n i32) (result f32)
    (local $i i32) (local $end i32) (local $end16 i32) (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local.set $a (v128.load (local.get $row)))
    (local.set $b (local.get $a)) (local.set $c (local.get $a)) (local.set $d (local.get $a))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end16 (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2)))
    (block $done16
      (loop $next16
        (br_if $done16 (i32.ge_u (local.get $i) (local.get $end16)))
        (local.set $a (f32x4.pmax (local.get $a) (v128.load offset=0 (i32.add (local.get $row) (local.get $i)))))
        (local.set $b (f32x4.pmax (local.get $b) (v128.load offset=16 (i32.add (local.get $row) (local.get $i)))))
        (local.set $c (f32x4.pmax (local.get $c) (v128.load offset=32 (i32.add (local.get $row) (local.get $i)))))
        (local.set $d (f32x4.pmax (local.get $d) (v128.load offset=48 (i32.add (local.get $row) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $next16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $a (f32x4.pmax (local.get $a) (v128.load (i32.add (local.get $row) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $a (f32x4.pmax (f32x4.pmax (local.get $a) (local.get $b)) (f32x4.pmax (local.get $c) (local.get $d))))
    (f32.max (f32.max (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
             (f32.max (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
;; block_maxima: row[0..m) (m = n rounded down to 4) cut into blocks of `block` entries (a multiple
;; of 4; the last block may be shorter); writes each block's max as f32 at `out` and returns the
;; largest (the row's max over [0, m)). If k blocks have maxima >= f, at least k entries are >= f,
;; so every one of the k largest entries is >= the k-th largest block max.
  (func (export "block_maxima") (param $row i32) (param $n i32) (param $block i32) (param $out i32) (result f32)
    (local $i i32) (local $end i32) (local $stop i32) (local $m v128) (local $hi v128)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $hi (f32x4.splat (f32.const -inf)))
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $stop (i32.add (local.get $i) (i32.shl (local.get $block) (i32.const 2))))
        (if (i32.gt_u (local.get $stop) (local.get $end)) (then (local.set $stop (local.get $end))))
        (local.set $m (v128.load (i32.add (local.get $row) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $stop)))
            (local.set $m (f32x4.pmax (local.get $m) (v128.load (i32.add (local.get $row) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $next)))
        (local.set $hi (f32x4.pmax (local.get $hi) (local.get $m)))
        ;; The block's max across lanes by pmax (one maxps each; f32.max's NaN and -0 rules cost more):
        ;; halves swapped, then pairs.
        (local.set $m (f32x4.pmax (local.get $m) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))))
        (local.set $m (f32x4.pmax (local.get $m) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $m) (local.get $m))))
        (f32.store (local.get $out) (f32x4.extract_lane 0 (local.get $m)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $blocks)))
    (local.set $hi (f32x4.pmax (local.get $hi) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hi) (local.get $hi))))
    (local.set $hi (f32x4.pmax (local.get $hi) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $hi) (local.get $hi))))
    (f32x4.extract_lane 0 (local.get $hi)))
;; candidates: the indices i < m (m = n rounded down to 4) with row[i] >= floor, in increasing order,
;; written as i32 at `out`; returns their count. Four entries per compare; where one or more pass,
;; all four indices are written and the count advances by those that pass (no branch per lane).
  (func (export "candidates") (param $row i32) (param $n i32) (param $floor f32) (param $out i32) (result i32)
    (local $i i32) (local $end i32) (local $count i32) (local $f v128) (local $hit v128) (local $at i32) (local $base i32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $f (f32x4.splat (local.get $floor)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $hit (f32x4.ge (v128.load (i32.add (local.get $row) (local.get $i))) (local.get $f)))
        (if (v128.any_true (local.get $hit))
          (then
            (local.set $base (i32.shr_u (local.get $i) (i32.const 2)))
            (local.set $at (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
            (i32.store (local.get $at) (local.get $base))
            (local.set $count (i32.sub (local.get $count) (i32x4.extract_lane 0 (local.get $hit))))
            (local.set $at (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
            (i32.store (local.get $at) (i32.add (local.get $base) (i32.const 1)))
            (local.set $count (i32.sub (local.get $count) (i32x4.extract_lane 1 (local.get $hit))))
            (local.set $at (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
            (i32.store (local.get $at) (i32.add (local.get $base) (i32.const 2)))
            (local.set $count (i32.sub (local.get $count) (i32x4.extract_lane 2 (local.get $hit))))
            (local.set $at (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
            (i32.store (local.get $at) (i32.add (local.get $base) (i32.const 3)))
            (local.set $count (i32.sub (local.get $count) (i32x4.extract_lane 3 (local.get $hit))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.get $count))
;; first_at_least: the first index i < m (m = n rounded down to 4) with row[i] >= value, or m when
;; there is none (with value = the row's max: its argmax, the smallest id among equal maxima).
  (func (export "first_at_least") (param $row i32) (param $n i32) (param $value f32) (result i32)
    (local $i i32) (local $end i32) (local $v v128)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $v (f32x4.splat (local.get $value)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (br_if $done (v128.any_true (f32x4.ge (v128.load (i32.add (local.get $row) (local.get $i))) (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (block $found
      (loop $lanes
        (br_if $found (i32.ge_u (local.get $i) (local.get $end)))
        (br_if $found (f32.ge (f32.load (i32.add (local.get $row) (local.get $i))) (local.get $value)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $lanes)))
    (i32.shr_u (local.get $i) (i32.const 2)))
;; sum_f32: sum of y[0..m) (m = n rounded down to 4) in float64 (each float32 exact), four per step.
  (func (export "sum_f32") (param $y i32) (param $n i32) (result f64)
    (local $i i32) (local $end i32) (local $v v128) (local $a v128) (local $b v128)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $y) (local.get $i))))
        (local.set $a (f64x2.add (local.get $a) (f64x2.promote_low_f32x4 (local.get $v))))
        (local.set $b (f64x2.add (local.get $b) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $a (f64x2.add (local.get $a) (local.get $b)))
    (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))))
;; kl_terms: over i < m (m = n rounded down to 4), with y[i] = exp(r[i] - max r) (float32):
;; stores sum y[i] and sum y[i] * (r[i] - max(c[i], floor)) as float64 at `out`, the difference
;; taken in float64 (exact); entries with y[i] = 0 add nothing, so -inf logits give no NaN.
  (func (export "kl_terms") (param $y i32) (param $r i32) (param $c i32) (param $n i32) (param $floor f32) (param $out i32)
    (local $i i32) (local $end i32) (local $yv v128) (local $rv v128) (local $cv v128) (local $f v128) (local $zero v128)
    (local $y0 v128) (local $y1 v128) (local $d0 v128) (local $d1 v128)
    (local $s0 v128) (local $s1 v128) (local $t0 v128) (local $t1 v128)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $f (f32x4.splat (local.get $floor)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $yv (v128.load (i32.add (local.get $y) (local.get $i))))
        (local.set $rv (v128.load (i32.add (local.get $r) (local.get $i))))
        (local.set $cv (f32x4.pmax (v128.load (i32.add (local.get $c) (local.get $i))) (local.get $f)))
        (local.set $y0 (f64x2.promote_low_f32x4 (local.get $yv)))
        (local.set $y1 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $yv) (local.get $yv))))
        (local.set $d0 (v128.and (f64x2.gt (local.get $y0) (local.get $zero))
          (f64x2.sub (f64x2.promote_low_f32x4 (local.get $rv)) (f64x2.promote_low_f32x4 (local.get $cv)))))
        (local.set $d1 (v128.and (f64x2.gt (local.get $y1) (local.get $zero))
          (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $rv) (local.get $rv)))
                     (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $cv) (local.get $cv))))))
        (local.set $s0 (f64x2.add (local.get $s0) (local.get $y0)))
        (local.set $s1 (f64x2.add (local.get $s1) (local.get $y1)))
        (local.set $t0 (f64x2.add (local.get $t0) (f64x2.mul (local.get $y0) (local.get $d0))))
        (local.set $t1 (f64x2.add (local.get $t1) (f64x2.mul (local.get $y1) (local.get $d1))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $s0 (f64x2.add (local.get $s0) (local.get $s1)))
    (local.set $t0 (f64x2.add (local.get $t0) (local.get $t1)))
    (f64.store offset=0 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))))
    (f64.store offset=8 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $t0)) (f64x2.extract_lane 1 (local.get $t0)))));; Top-k ranking on order keys: a float32's bits mapped to an unsigned key that orders larger
;; values first (non-negative floats become 0x7FFFFFFF - bits, negative ones bits - 1, so -0 and +0
;; share a key), so ascending keys are descending logits, and a stable sort keeps equal logits in
;; increasing ids. NaN is not expected.
;; kth_largest_f32: the k-th largest of values[0..n) (1 <= k <= n) by an MSD radix select on those
;; keys, 8 bits a round, with 256 i32 counts of scratch at `counts`; returns the value itself.
  (func (export "kth_largest_f32") (param $values i32) (param $n i32) (param $k i32) (param $counts i32) (result f32)
    (local $shift i32) (local $prefix i32) (local $mask i32) (local $j i32) (local $end i32) (local $key i32) (local $at i32) (local $d i32) (local $c i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $shift (i32.const 24))
    (block $done
      (loop $round
        (memory.fill (local.get $counts) (i32.const 0) (i32.const 1024))
        (local.set $j (i32.const 0))
        (block $counted
          (loop $count
            (br_if $counted (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $key (i32.load (i32.add (local.get $values) (local.get $j))))
            (local.set $key (select (i32.sub (local.get $key) (i32.const 1)) (i32.and (i32.xor (local.get $key) (i32.const -1)) (i32.const 0x7FFFFFFF))
                                    (i32.lt_s (local.get $key) (i32.const 0))))
            (if (i32.eq (i32.and (local.get $key) (local.get $mask)) (local.get $prefix))
              (then
                (local.set $at (i32.add (local.get $counts) (i32.shl (i32.and (i32.shr_u (local.get $key) (local.get $shift)) (i32.const 255)) (i32.const 2))))
                (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $count)))
        ;; The digit whose entries hold the k-th: k counts down past the digits before it.
        (local.set $d (i32.const 0))
        (block $found
          (loop $digit
            (local.set $c (i32.load (i32.add (local.get $counts) (i32.shl (local.get $d) (i32.const 2)))))
            (br_if $found (i32.le_u (local.get $k) (local.get $c)))
            (br_if $found (i32.ge_u (local.get $d) (i32.const 255)))
            (local.set $k (i32.sub (local.get $k) (local.get $c)))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (br $digit)))
        (local.set $prefix (i32.or (local.get $prefix) (i32.shl (local.get $d) (local.get $shift))))
        (local.set $mask (i32.or (local.get $mask) (i32.shl (i32.const 255) (local.get $shift))))
        (br_if $done (i32.eqz (local.get $shift)))
        (local.set $shift (i32.sub (local.get $shift) (i32.const 8)))
        (br $round)))
    ;; The key back to the float's bits.
    (f32.reinterpret_i32 (select (i32.add (local.get $prefix) (i32.const 1)) (i32.and (i32.xor (local.get $prefix) (i32.const -1)) (i32.const 0x7FFFFFFF))
                                 (i32.lt_s (local.get $prefix) (i32.const 0)))))
;; rank_candidates: for j < count, id = ids_in[j] (i32): keys[j] = the order key of row[id],
;; ids[j] = id; then a stable LSD radix sort of (keys, ids)[0..count) by key, four passes of 8 bits
;; through (spare_keys, spare_ids) and 256 i32 counts at `counts`. Four passes: the sorted pairs end
;; in keys / ids, most likely first, equal logits in the order of ids_in.
  (func (export "rank_candidates") (param $row i32) (param $ids_in i32) (param $count i32) (param $keys i32) (param $ids i32)
        (param $spare_keys i32) (param $spare_ids i32) (param $counts i32)
    (local $j i32) (local $end i32) (local $id i32) (local $key i32) (local $shift i32) (local $at i32) (local $c i32) (local $sum i32) (local $swap i32)
    (local.set $end (i32.shl (local.get $count) (i32.const 2)))
    (block $keyed
      (loop $key_next
        (br_if $keyed (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $id (i32.load (i32.add (local.get $ids_in) (local.get $j))))
        (local.set $key (i32.load (i32.add (local.get $row) (i32.shl (local.get $id) (i32.const 2)))))
        (i32.store (i32.add (local.get $keys) (local.get $j))
          (select (i32.sub (local.get $key) (i32.const 1)) (i32.and (i32.xor (local.get $key) (i32.const -1)) (i32.const 0x7FFFFFFF))
                  (i32.lt_s (local.get $key) (i32.const 0))))
        (i32.store (i32.add (local.get $ids) (local.get $j)) (local.get $id))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $key_next)))
    (block $sorted
      (loop $pass
        (br_if $sorted (i32.ge_u (local.get $shift) (i32.const 32)))
        (memory.fill (local.get $counts) (i32.const 0) (i32.const 1024))
        (local.set $j (i32.const 0))
        (block $counted
          (loop $count_next
            (br_if $counted (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $at (i32.add (local.get $counts)
              (i32.shl (i32.and (i32.shr_u (i32.load (i32.add (local.get $keys) (local.get $j))) (local.get $shift)) (i32.const 255)) (i32.const 2))))
            (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $count_next)))
        ;; Counts to exclusive prefix sums, in bytes: where each digit's entries start.
        (local.set $sum (i32.const 0))
        (local.set $j (i32.const 0))
        (block $summed
          (loop $sum_next
            (br_if $summed (i32.ge_u (local.get $j) (i32.const 1024)))
            (local.set $at (i32.add (local.get $counts) (local.get $j)))
            (local.set $c (i32.load (local.get $at)))
            (i32.store (local.get $at) (local.get $sum))
            (local.set $sum (i32.add (local.get $sum) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $sum_next)))
        (local.set $j (i32.const 0))
        (block $scattered
          (loop $scatter_next
            (br_if $scattered (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $key (i32.load (i32.add (local.get $keys) (local.get $j))))
            (local.set $at (i32.add (local.get $counts) (i32.shl (i32.and (i32.shr_u (local.get $key) (local.get $shift)) (i32.const 255)) (i32.const 2))))
            (local.set $c (i32.load (local.get $at)))
            (i32.store (local.get $at) (i32.add (local.get $c) (i32.const 4)))
            (i32.store (i32.add (local.get $spare_keys) (local.get $c)) (local.get $key))
            (i32.store (i32.add (local.get $spare_ids) (local.get $c)) (i32.load (i32.add (local.get $ids) (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $scatter_next)))
        (local.set $swap (local.get $keys)) (local.set $keys (local.get $spare_keys)) (local.set $spare_keys (local.get $swap))
        (local.set $swap (local.get $ids)) (local.set $ids (local.get $spare_ids)) (local.set $spare_ids (local.get $swap))
        (local.set $shift (i32.add (local.get $shift) (i32.const 8)))
        (br $pass))))
)
