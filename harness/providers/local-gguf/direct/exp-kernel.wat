;; sum_exp: the exp-sum kernel of the direct scoring path (./exp-kernel.ts embeds its bytes).
;; For i < n (n a multiple of 4): e_i = exp(max(row[i] - shift, -708)), in float64, four entries per
;; step (two f64x2 vectors). exp(x) = 2^k e^r with k = round(x / ln 2), r = x - k ln 2 (Cody-Waite
;; split, |r| <= ln2 / 2) and e^r by its Taylor polynomial of degree 9, evaluated with Estrin's
;; scheme (short dependency chains): truncation error < 7e-12 relative per entry, far below the
;; float32 logits' own precision (6e-8). Writes three float64 at `out`:
;; sum e_i, sum e_i * wtop[i], sum e_i * wask[i] (weights float32: 1 = counted, 0 = left out).
;; max_f32: the largest of row[0..n) (n a multiple of 4, n >= 4), four lanes at a time.
;; Rebuild: wat2wasm from wabt 1.0.37 (npm "wabt"), then base64 into KERNEL_BASE64 of exp-kernel.ts.
(module
  (memory (export "memory") 1)
  (func (export "sum_exp") (param $row i32) (param $wtop i32) (param $wask i32) (param $n i32) (param $shift f64) (param $out i32)
    (local $i i32) (local $end i32)
    (local $x_a v128) (local $k_a v128) (local $r_a v128) (local $r2_a v128) (local $r4_a v128) (local $e_a v128) (local $x_b v128) (local $k_b v128) (local $r_b v128) (local $r2_b v128) (local $r4_b v128) (local $e_b v128)
    (local $tot v128) (local $top v128) (local $ask v128)
    (local $s v128) (local $log2e v128) (local $ln2hi v128) (local $ln2lo v128) (local $floor v128)
    (local.set $s (f64x2.splat (local.get $shift)))
    (local.set $log2e (f64x2.splat (f64.const 1.4426950408889634)))
    (local.set $ln2hi (f64x2.splat (f64.const 0.6931471803691238)))
    (local.set $ln2lo (f64x2.splat (f64.const 1.9082149292705877e-10)))
    (local.set $floor (f64x2.splat (f64.const -708.0)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $x_a (f64x2.max (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (i32.add (local.get $row) (local.get $i)))) (local.get $s)) (local.get $floor)))
        (local.set $x_b (f64x2.max (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $row) (local.get $i)))) (local.get $s)) (local.get $floor)))
        (local.set $k_a (f64x2.nearest (f64x2.mul (local.get $x_a) (local.get $log2e))))
        (local.set $r_a (f64x2.sub (f64x2.sub (local.get $x_a) (f64x2.mul (local.get $k_a) (local.get $ln2hi))) (f64x2.mul (local.get $k_a) (local.get $ln2lo))))
        (local.set $r2_a (f64x2.mul (local.get $r_a) (local.get $r_a)))
        (local.set $r4_a (f64x2.mul (local.get $r2_a) (local.get $r2_a)))
        (local.set $e_a (f64x2.mul (f64x2.add (f64x2.add (f64x2.add (f64x2.add (f64x2.splat (f64.const 1.0)) (f64x2.mul (f64x2.splat (f64.const 1.0)) (local.get $r_a))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (f64x2.splat (f64.const 0.16666666666666666)) (local.get $r_a))) (local.get $r2_a))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.splat (f64.const 0.041666666666666664)) (f64x2.mul (f64x2.splat (f64.const 0.008333333333333333)) (local.get $r_a))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.001388888888888889)) (f64x2.mul (f64x2.splat (f64.const 0.0001984126984126984)) (local.get $r_a))) (local.get $r2_a))) (local.get $r4_a))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-05)) (f64x2.mul (f64x2.splat (f64.const 2.7557319223985893e-06)) (local.get $r_a))) (f64x2.mul (local.get $r4_a) (local.get $r4_a)))) (i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k_a))) (i64x2.splat (i64.const 1023))) (i32.const 52))))
        (local.set $k_b (f64x2.nearest (f64x2.mul (local.get $x_b) (local.get $log2e))))
        (local.set $r_b (f64x2.sub (f64x2.sub (local.get $x_b) (f64x2.mul (local.get $k_b) (local.get $ln2hi))) (f64x2.mul (local.get $k_b) (local.get $ln2lo))))
        (local.set $r2_b (f64x2.mul (local.get $r_b) (local.get $r_b)))
        (local.set $r4_b (f64x2.mul (local.get $r2_b) (local.get $r2_b)))
        (local.set $e_b (f64x2.mul (f64x2.add (f64x2.add (f64x2.add (f64x2.add (f64x2.splat (f64.const 1.0)) (f64x2.mul (f64x2.splat (f64.const 1.0)) (local.get $r_b))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (f64x2.splat (f64.const 0.16666666666666666)) (local.get $r_b))) (local.get $r2_b))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.splat (f64.const 0.041666666666666664)) (f64x2.mul (f64x2.splat (f64.const 0.008333333333333333)) (local.get $r_b))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.001388888888888889)) (f64x2.mul (f64x2.splat (f64.const 0.0001984126984126984)) (local.get $r_b))) (local.get $r2_b))) (local.get $r4_b))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-05)) (f64x2.mul (f64x2.splat (f64.const 2.7557319223985893e-06)) (local.get $r_b))) (f64x2.mul (local.get $r4_b) (local.get $r4_b)))) (i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k_b))) (i64x2.splat (i64.const 1023))) (i32.const 52))))
        (local.set $tot (f64x2.add (local.get $tot) (local.get $e_a)))
        (local.set $top (f64x2.add (local.get $top) (f64x2.mul (local.get $e_a) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (i32.add (local.get $wtop) (local.get $i)))))))
        (local.set $ask (f64x2.add (local.get $ask) (f64x2.mul (local.get $e_a) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (i32.add (local.get $wask) (local.get $i)))))))
        (local.set $tot (f64x2.add (local.get $tot) (local.get $e_b)))
        (local.set $top (f64x2.add (local.get $top) (f64x2.mul (local.get $e_b) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $wtop) (local.get $i)))))))
        (local.set $ask (f64x2.add (local.get $ask) (f64x2.mul (local.get $e_b) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $wask) (local.get $i)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (f64.store offset=0 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $tot)) (f64x2.extract_lane 1 (local.get $tot))))
    (f64.store offset=8 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $top)) (f64x2.extract_lane 1 (local.get $top))))
    (f64.store offset=16 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $ask)) (f64x2.extract_lane 1 (local.get $ask)))))
  (func (export "max_f32") (param $row i32) (param $n i32) (result f32)
    (local $i i32) (local $end i32) (local $m v128)
    (local.set $m (v128.load (local.get $row)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $i (i32.const 16))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $m (f32x4.max (local.get $m) (v128.load (i32.add (local.get $row) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (f32.max (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
             (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m))))))
