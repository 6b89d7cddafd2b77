;; The matrix-product micro-kernels, with relaxed-SIMD fused multiply-add (f64x2/f32x4.relaxed_madd).
;; Assembled by kernel/scripts/build-wasm.mjs (wabt) into src/tensor/kernels/wasmModules.ts;
;; test/core/wasmBuild.test.ts checks that assembling this file gives the committed bytes.
;;
;; gemm_f64 / gemm_f32 (a, b, c, mPanels, pPanels, n, kc, acc): C (+)= A B over kc values of k,
;; on packed operands at byte offsets a, b, c of the module's memory (packing and blocking:
;; tensor/kernels/gemm.ts).
;; - A is packed in panels of 4 rows: per panel, for each k, the 4 row entries at column k;
;;   panels are n values of k apart (a points at the first k of this block).
;; - B is packed in panels of 32 bytes of columns (4 doubles or 8 floats): per panel, for each k,
;;   that many entries of row k; panels n values of k apart.
;; - C is row-major and padded: each row is 32 bytes per column panel. acc = 1 adds to C (a
;;   later block of k), acc = 0 overwrites it.
;; For each (column panel, row panel) the 4 x 32-byte block of C stays in 8 vector registers over
;; the kc values of k (a rank-1 update per k: two vector loads of B, four splatted loads of A).
;; relaxed_madd may or may not round a*b before the add (it is fused where the CPU has FMA), so
;; results can differ from the plain path in the last bits; same summation order otherwise.
;; A separate module: where relaxed SIMD is unavailable it fails to validate and the plain
;; module (gemm.simd.wat) is used.
(module
  ;; The memory comes from the host (tensor/kernels/wasmGemm.ts): plain, or shared between
  ;; threads (the build also emits a variant of this module importing it as shared).
  (import "env" "mem" (memory 1 1024))

  ;; float64: C block of 4 x 4 doubles
  (func (export "gemm_f64") (param $a i32) (param $b i32) (param $c i32)
        (param $mPanels i32) (param $pPanels i32) (param $n i32) (param $kc i32) (param $acc i32)
    (local $ip i32) (local $jp i32) (local $k i32) (local $pa i32) (local $pb i32)
    (local $cRow i32) (local $cp i32)
    ;; the 4 x (2 vectors) block of C: $cRH is row R, vector H
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $ar v128)
    ;; bytes per row of C: 32 per column panel (4 doubles or 8 floats)
    (local.set $cRow (i32.mul (local.get $pPanels) (i32.const 32)))
    (block $doneJ
      (loop $overJ ;; column panels of B and C
        (br_if $doneJ (i32.ge_s (local.get $jp) (local.get $pPanels)))
        (local.set $ip (i32.const 0))
        (block $doneI
          (loop $overI ;; row panels of A and C
            (br_if $doneI (i32.ge_s (local.get $ip) (local.get $mPanels)))
            (local.set $pa (i32.add (local.get $a) (i32.mul (i32.mul (local.get $ip) (local.get $n)) (i32.const 32))))
            (local.set $pb (i32.add (local.get $b) (i32.mul (i32.mul (local.get $jp) (local.get $n)) (i32.const 32))))
            ;; the block's place in C: 4 rows of 32 bytes at c + ip*4*cRow + jp*32
            (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (i32.mul (local.get $ip) (local.get $cRow)) (i32.const 4)))
                                    (i32.mul (local.get $jp) (i32.const 32))))
            (if (local.get $acc)
              (then ;; continue the sums of an earlier block of k
                (local.set $c00 (v128.load offset=0 (local.get $cp)))
                (local.set $c01 (v128.load offset=16 (local.get $cp)))
                (local.set $c10 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 1)))))
                (local.set $c11 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 1)))))
                (local.set $c20 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 2)))))
                (local.set $c21 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 2)))))
                (local.set $c30 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 3)))))
                (local.set $c31 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 3)))))
              )
              (else
                (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0))
                (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0))
                (local.set $c20 (v128.const i64x2 0 0)) (local.set $c21 (v128.const i64x2 0 0))
                (local.set $c30 (v128.const i64x2 0 0)) (local.set $c31 (v128.const i64x2 0 0))
              ))
            (local.set $k (local.get $kc))
            (block $doneK
              (br_if $doneK (i32.eqz (local.get $k)))
              (loop $overK ;; kc rank-1 updates of the block
                (local.set $b0 (v128.load offset=0 (local.get $pb)))
                (local.set $b1 (v128.load offset=16 (local.get $pb)))
                (local.set $ar (v128.load64_splat offset=0 (local.get $pa)))
                (local.set $c00 (f64x2.relaxed_madd (local.get $ar) (local.get $b0) (local.get $c00)))
                (local.set $c01 (f64x2.relaxed_madd (local.get $ar) (local.get $b1) (local.get $c01)))
                (local.set $ar (v128.load64_splat offset=8 (local.get $pa)))
                (local.set $c10 (f64x2.relaxed_madd (local.get $ar) (local.get $b0) (local.get $c10)))
                (local.set $c11 (f64x2.relaxed_madd (local.get $ar) (local.get $b1) (local.get $c11)))
                (local.set $ar (v128.load64_splat offset=16 (local.get $pa)))
                (local.set $c20 (f64x2.relaxed_madd (local.get $ar) (local.get $b0) (local.get $c20)))
                (local.set $c21 (f64x2.relaxed_madd (local.get $ar) (local.get $b1) (local.get $c21)))
                (local.set $ar (v128.load64_splat offset=24 (local.get $pa)))
                (local.set $c30 (f64x2.relaxed_madd (local.get $ar) (local.get $b0) (local.get $c30)))
                (local.set $c31 (f64x2.relaxed_madd (local.get $ar) (local.get $b1) (local.get $c31)))
                (local.set $pa (i32.add (local.get $pa) (i32.const 32)))
                (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
                (br_if $overK (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
            (v128.store offset=0 (local.get $cp) (local.get $c00))
            (v128.store offset=16 (local.get $cp) (local.get $c01))
            (local.set $cp (i32.add (local.get $cp) (local.get $cRow)))
            (v128.store offset=0 (local.get $cp) (local.get $c10))
            (v128.store offset=16 (local.get $cp) (local.get $c11))
            (local.set $cp (i32.add (local.get $cp) (local.get $cRow)))
            (v128.store offset=0 (local.get $cp) (local.get $c20))
            (v128.store offset=16 (local.get $cp) (local.get $c21))
            (local.set $cp (i32.add (local.get $cp) (local.get $cRow)))
            (v128.store offset=0 (local.get $cp) (local.get $c30))
            (v128.store offset=16 (local.get $cp) (local.get $c31))
            (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
            (br $overI)))
        (local.set $jp (i32.add (local.get $jp) (i32.const 1)))
        (br $overJ)))
  )

  ;; float32: C block of 4 x 8 floats
  (func (export "gemm_f32") (param $a i32) (param $b i32) (param $c i32)
        (param $mPanels i32) (param $pPanels i32) (param $n i32) (param $kc i32) (param $acc i32)
    (local $ip i32) (local $jp i32) (local $k i32) (local $pa i32) (local $pb i32)
    (local $cRow i32) (local $cp i32)
    ;; the 4 x (2 vectors) block of C: $cRH is row R, vector H
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $ar v128)
    ;; bytes per row of C: 32 per column panel (4 doubles or 8 floats)
    (local.set $cRow (i32.mul (local.get $pPanels) (i32.const 32)))
    (block $doneJ
      (loop $overJ ;; column panels of B and C
        (br_if $doneJ (i32.ge_s (local.get $jp) (local.get $pPanels)))
        (local.set $ip (i32.const 0))
        (block $doneI
          (loop $overI ;; row panels of A and C
            (br_if $doneI (i32.ge_s (local.get $ip) (local.get $mPanels)))
            (local.set $pa (i32.add (local.get $a) (i32.mul (i32.mul (local.get $ip) (local.get $n)) (i32.const 16))))
            (local.set $pb (i32.add (local.get $b) (i32.mul (i32.mul (local.get $jp) (local.get $n)) (i32.const 32))))
            ;; the block's place in C: 4 rows of 32 bytes at c + ip*4*cRow + jp*32
            (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (i32.mul (local.get $ip) (local.get $cRow)) (i32.const 4)))
                                    (i32.mul (local.get $jp) (i32.const 32))))
            (if (local.get $acc)
              (then ;; continue the sums of an earlier block of k
                (local.set $c00 (v128.load offset=0 (local.get $cp)))
                (local.set $c01 (v128.load offset=16 (local.get $cp)))
                (local.set $c10 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 1)))))
                (local.set $c11 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 1)))))
                (local.set $c20 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 2)))))
                (local.set $c21 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 2)))))
                (local.set $c30 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 3)))))
                (local.set $c31 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $cRow) (i32.const 3)))))
              )
              (else
                (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0))
                (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0))
                (local.set $c20 (v128.const i64x2 0 0)) (local.set $c21 (v128.const i64x2 0 0))
                (local.set $c30 (v128.const i64x2 0 0)) (local.set $c31 (v128.const i64x2 0 0))
              ))
            (local.set $k (local.get $kc))
            (block $doneK
              (br_if $doneK (i32.eqz (local.get $k)))
              (loop $overK ;; kc rank-1 updates of the block
                (local.set $b0 (v128.load offset=0 (local.get $pb)))
                (local.set $b1 (v128.load offset=16 (local.get $pb)))
                (local.set $ar (v128.load32_splat offset=0 (local.get $pa)))
                (local.set $c00 (f32x4.relaxed_madd (local.get $ar) (local.get $b0) (local.get $c00)))
                (local.set $c01 (f32x4.relaxed_madd (local.get $ar) (local.get $b1) (local.get $c01)))
                (local.set $ar (v128.load32_splat offset=4 (local.get $pa)))
                (local.set $c10 (f32x4.relaxed_madd (local.get $ar) (local.get $b0) (local.get $c10)))
                (local.set $c11 (f32x4.relaxed_madd (local.get $ar) (local.get $b1) (local.get $c11)))
                (local.set $ar (v128.load32_splat offset=8 (local.get $pa)))
                (local.set $c20 (f32x4.relaxed_madd (local.get $ar) (local.get $b0) (local.get $c20)))
                (local.set $c21 (f32x4.relaxed_madd (local.get $ar) (local.get $b1) (local.get $c21)))
                (local.set $ar (v128.load32_splat offset=12 (local.get $pa)))
                (local.set $c30 (f32x4.relaxed_madd (local.get $ar) (local.get $b0) (local.get $c30)))
                (local.set $c31 (f32x4.relaxed_madd (local.get $ar) (local.get $b1) (local.get $c31)))
                (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
                (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
                (br_if $overK (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
            (v128.store offset=0 (local.get $cp) (local.get $c00))
            (v128.store offset=16 (local.get $cp) (local.get $c01))
            (local.set $cp (i32.add (local.get $cp) (local.get $cRow)))
            (v128.store offset=0 (local.get $cp) (local.get $c10))
            (v128.store offset=16 (local.get $cp) (local.get $c11))
            (local.set $cp (i32.add (local.get $cp) (local.get $cRow)))
            (v128.store offset=0 (local.get $cp) (local.get $c20))
            (v128.store offset=16 (local.get $cp) (local.get $c21))
            (local.set $cp (i32.add (local.get $cp) (local.get $cRow)))
            (v128.store offset=0 (local.get $cp) (local.get $c30))
            (v128.store offset=16 (local.get $cp) (local.get $c31))
            (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
            (br $overI)))
        (local.set $jp (i32.add (local.get $jp) (i32.const 1)))
        (br $overJ)))
  )

  ;; pack_runs (src, sk, dst, n, panels, w): packing of operands whose panel entries are adjacent
  ;; in the source (B stored row-major; A stored transposed), after the host copied the source
  ;; rows into this memory. For panel t < panels and row k < n, copies the w bytes (16 or 32) at
  ;; src + k*sk + t*w to dst + t*n*w + k*w. Rows go in blocks of 8 so that the block's runs stay
  ;; in L1 while every panel takes its strip (walking one panel down all n rows at a row stride
  ;; that is a multiple of 2 KiB maps every read to the same few cache sets).
  (func (export "pack_runs") (param $src i32) (param $sk i32) (param $dst i32) (param $n i32)
        (param $panels i32) (param $w i32)
    (local $k0 i32) (local $k1 i32) (local $t i32) (local $k i32) (local $s i32) (local $d i32)
    (block $doneK0
      (loop $overK0 ;; blocks of 8 rows
        (br_if $doneK0 (i32.ge_s (local.get $k0) (local.get $n)))
        (local.set $k1 (i32.add (local.get $k0) (i32.const 8)))
        (if (i32.gt_s (local.get $k1) (local.get $n)) (then (local.set $k1 (local.get $n))))
        (local.set $t (i32.const 0))
        (block $doneT
          (loop $overT ;; panels
            (br_if $doneT (i32.ge_s (local.get $t) (local.get $panels)))
            (local.set $s (i32.add (i32.add (local.get $src) (i32.mul (local.get $k0) (local.get $sk)))
                                   (i32.mul (local.get $t) (local.get $w))))
            (local.set $d (i32.add (local.get $dst)
                                   (i32.mul (i32.add (i32.mul (local.get $t) (local.get $n)) (local.get $k0)) (local.get $w))))
            (local.set $k (local.get $k0))
            (loop $overK ;; the block's rows (k0 < k1 always)
              (v128.store offset=0 (local.get $d) (v128.load offset=0 (local.get $s)))
              (if (i32.eq (local.get $w) (i32.const 32))
                (then (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s)))))
              (local.set $s (i32.add (local.get $s) (local.get $sk)))
              (local.set $d (i32.add (local.get $d) (local.get $w)))
              (br_if $overK (i32.lt_s (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $k1))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $overT)))
        (local.set $k0 (local.get $k1))
        (br $overK0)))
  )

  ;; tanh_f64 (src, dst, pairs): dst[i] = tanh(src[i]) for 2*pairs float64 values at byte offsets
  ;; src, dst. The arithmetic of tensor/kernels/special.ts tanhScalar, operation for operation
  ;; (IEEE mul/add/div, no fused multiply-add), on two lanes at once: both branches are computed
  ;; and selected per lane, so results are bit-identical to the scalar function.
  (func (export "tanh_f64") (param $src i32) (param $dst i32) (param $pairs i32)
    (local $i i32) (local $x v128) (local $a v128) (local $z v128) (local $t v128) (local $num v128) (local $neg v128)
    (local $small v128) (local $t2 v128) (local $k v128) (local $kf v128) (local $s v128) (local $p v128) (local $r v128)
    (block $done
      (br_if $done (i32.eqz (local.get $pairs)))
      (loop $over
        (local.set $x (v128.load (local.get $src)))
        ;; a = |x|; the rational for |x| < 0.625
        (local.set $a (f64x2.abs (local.get $x)))
        (local.set $z (f64x2.mul (local.get $x) (local.get $x)))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.2900000000000p+9)) (local.get $z)))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.5fea000000000p+15)) (f64x2.mul (local.get $z) (local.get $t))))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.49eb600000000p+19)) (f64x2.mul (local.get $z) (local.get $t))))
        (local.set $num (f64x2.mul (f64x2.mul (local.get $a) (local.get $z)) (local.get $t)))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.3b00000000000p+9)) (local.get $z)))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.960e000000000p+15)) (f64x2.mul (local.get $z) (local.get $t))))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.cde3200000000p+19)) (f64x2.mul (local.get $z) (local.get $t))))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.eee1100000000p+20)) (f64x2.mul (local.get $z) (local.get $t))))
        (local.set $t (f64x2.div (local.get $num) (local.get $t)))
        ;; small = x < 0 ? x + t : x - t
        (local.set $neg (f64x2.lt (local.get $x) (v128.const i64x2 0 0)))
        (local.set $small (v128.bitselect (f64x2.add (local.get $x) (local.get $t)) (f64x2.sub (local.get $x) (local.get $t)) (local.get $neg)))
        (local.set $x (if (result v128) (i64x2.all_true (f64x2.lt (local.get $a) (f64x2.splat (f64.const 0x1.4000000000000p-1))))
          (then (local.get $small)) ;; both lanes |x| < 0.625 (the common case near 0): no exp
          (else
        ;; 1 - 2 / (e^{2a} + 1), e^{2a} = 2^k e^s
        (local.set $t2 (f64x2.add (local.get $a) (local.get $a)))
        (local.set $k (i32x4.trunc_sat_f64x2_s_zero (f64x2.add (f64x2.mul (local.get $t2) (f64x2.splat (f64.const 0x1.71547652b82fep+0))) (f64x2.splat (f64.const 0x1.0000000000000p-1)))))
        (local.set $kf (f64x2.convert_low_i32x4_s (local.get $k)))
        (local.set $s (f64x2.sub (f64x2.sub (local.get $t2) (f64x2.mul (local.get $kf) (f64x2.splat (f64.const 0x1.62e42fee00000p-1)))) (f64x2.mul (local.get $kf) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))))
        (local.set $p (f64x2.splat (f64.const 0x1.6124613a86d09p-33)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.1eed8eff8d898p-29))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.ae64567f544e4p-26))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.27e4fb7789f5cp-22))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.71de3a556c734p-19))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.a01a01a01a01ap-16))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.a01a01a01a01ap-13))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.6c16c16c16c17p-10))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.1111111111111p-7))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.5555555555555p-5))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.5555555555555p-3))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.0000000000000p-1))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.0000000000000p+0))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.0000000000000p+0))))
        ;; 2^k from its bits: (k + 1023) << 52
        (local.set $p (f64x2.mul (local.get $p) (i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (local.get $k)) (i64x2.splat (i64.const 1023))) (i32.const 52))))
        (local.set $r (f64x2.sub (f64x2.splat (f64.const 0x1.0000000000000p+0)) (f64x2.div (f64x2.splat (f64.const 0x1.0000000000000p+1)) (f64x2.add (local.get $p) (f64x2.splat (f64.const 0x1.0000000000000p+0))))))
        ;; |x| >= 22: 1; NaN: x
        (local.set $r (v128.bitselect (local.get $r) (f64x2.splat (f64.const 0x1.0000000000000p+0)) (f64x2.lt (local.get $a) (f64x2.splat (f64.const 0x1.6000000000000p+4)))))
        (local.set $r (v128.bitselect (local.get $x) (local.get $r) (f64x2.ne (local.get $x) (local.get $x))))
        (local.set $r (v128.bitselect (f64x2.neg (local.get $r)) (local.get $r) (local.get $neg)))
        (v128.bitselect (local.get $small) (local.get $r) (f64x2.lt (local.get $a) (f64x2.splat (f64.const 0x1.4000000000000p-1)))))))
        (v128.store (local.get $dst) (local.get $x))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br_if $over (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 1)))))))

  ;; tanh_f32 (src, dst, pairs): dst[i] = tanh(src[i]) for 2*pairs float32 (each pair widened to float64, computed, rounded once) values at byte offsets
  ;; src, dst. The arithmetic of tensor/kernels/special.ts tanhScalar, operation for operation
  ;; (IEEE mul/add/div, no fused multiply-add), on two lanes at once: both branches are computed
  ;; and selected per lane, so results are bit-identical to the scalar function.
  (func (export "tanh_f32") (param $src i32) (param $dst i32) (param $pairs i32)
    (local $i i32) (local $x v128) (local $a v128) (local $z v128) (local $t v128) (local $num v128) (local $neg v128)
    (local $small v128) (local $t2 v128) (local $k v128) (local $kf v128) (local $s v128) (local $p v128) (local $r v128)
    (block $done
      (br_if $done (i32.eqz (local.get $pairs)))
      (loop $over
        (local.set $x (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $src))))
        ;; a = |x|; the rational for |x| < 0.625
        (local.set $a (f64x2.abs (local.get $x)))
        (local.set $z (f64x2.mul (local.get $x) (local.get $x)))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.2900000000000p+9)) (local.get $z)))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.5fea000000000p+15)) (f64x2.mul (local.get $z) (local.get $t))))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.49eb600000000p+19)) (f64x2.mul (local.get $z) (local.get $t))))
        (local.set $num (f64x2.mul (f64x2.mul (local.get $a) (local.get $z)) (local.get $t)))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.3b00000000000p+9)) (local.get $z)))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.960e000000000p+15)) (f64x2.mul (local.get $z) (local.get $t))))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.cde3200000000p+19)) (f64x2.mul (local.get $z) (local.get $t))))
        (local.set $t (f64x2.add (f64x2.splat (f64.const 0x1.eee1100000000p+20)) (f64x2.mul (local.get $z) (local.get $t))))
        (local.set $t (f64x2.div (local.get $num) (local.get $t)))
        ;; small = x < 0 ? x + t : x - t
        (local.set $neg (f64x2.lt (local.get $x) (v128.const i64x2 0 0)))
        (local.set $small (v128.bitselect (f64x2.add (local.get $x) (local.get $t)) (f64x2.sub (local.get $x) (local.get $t)) (local.get $neg)))
        (local.set $x (if (result v128) (i64x2.all_true (f64x2.lt (local.get $a) (f64x2.splat (f64.const 0x1.4000000000000p-1))))
          (then (local.get $small)) ;; both lanes |x| < 0.625 (the common case near 0): no exp
          (else
        ;; 1 - 2 / (e^{2a} + 1), e^{2a} = 2^k e^s
        (local.set $t2 (f64x2.add (local.get $a) (local.get $a)))
        (local.set $k (i32x4.trunc_sat_f64x2_s_zero (f64x2.add (f64x2.mul (local.get $t2) (f64x2.splat (f64.const 0x1.71547652b82fep+0))) (f64x2.splat (f64.const 0x1.0000000000000p-1)))))
        (local.set $kf (f64x2.convert_low_i32x4_s (local.get $k)))
        (local.set $s (f64x2.sub (f64x2.sub (local.get $t2) (f64x2.mul (local.get $kf) (f64x2.splat (f64.const 0x1.62e42fee00000p-1)))) (f64x2.mul (local.get $kf) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))))
        (local.set $p (f64x2.splat (f64.const 0x1.6124613a86d09p-33)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.1eed8eff8d898p-29))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.ae64567f544e4p-26))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.27e4fb7789f5cp-22))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.71de3a556c734p-19))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.a01a01a01a01ap-16))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.a01a01a01a01ap-13))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.6c16c16c16c17p-10))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.1111111111111p-7))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.5555555555555p-5))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.5555555555555p-3))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.0000000000000p-1))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.0000000000000p+0))))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0x1.0000000000000p+0))))
        ;; 2^k from its bits: (k + 1023) << 52
        (local.set $p (f64x2.mul (local.get $p) (i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (local.get $k)) (i64x2.splat (i64.const 1023))) (i32.const 52))))
        (local.set $r (f64x2.sub (f64x2.splat (f64.const 0x1.0000000000000p+0)) (f64x2.div (f64x2.splat (f64.const 0x1.0000000000000p+1)) (f64x2.add (local.get $p) (f64x2.splat (f64.const 0x1.0000000000000p+0))))))
        ;; |x| >= 22: 1; NaN: x
        (local.set $r (v128.bitselect (local.get $r) (f64x2.splat (f64.const 0x1.0000000000000p+0)) (f64x2.lt (local.get $a) (f64x2.splat (f64.const 0x1.6000000000000p+4)))))
        (local.set $r (v128.bitselect (local.get $x) (local.get $r) (f64x2.ne (local.get $x) (local.get $x))))
        (local.set $r (v128.bitselect (f64x2.neg (local.get $r)) (local.get $r) (local.get $neg)))
        (v128.bitselect (local.get $small) (local.get $r) (f64x2.lt (local.get $a) (f64x2.splat (f64.const 0x1.4000000000000p-1)))))))
        (v128.store64_lane 0 (local.get $dst) (f32x4.demote_f64x2_zero (local.get $x)))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (br_if $over (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 1)))))))

  ;; pack_rows_f64 (src, ld, dst, n, panels, groups): packing of operands whose panel entries lie in
  ;; different rows of the source (A stored row-major, B stored transposed), after the host copied
  ;; those rows into this memory. A panel is 2*groups rows, ld bytes apart; the packed panel
  ;; holds, for each k < n, the panel's rows' values at k (2 per 16-byte group), panels n*16*groups
  ;; bytes apart: out[t][k][row] = src[(t*rows + row)*ld + k]. 2 rows x 2 values of k are
  ;; transposed at once with shuffles; a last n % 2 values of k are copied one by one.
  (func (export "pack_rows_f64") (param $src i32) (param $ld i32) (param $dst i32) (param $n i32)
        (param $panels i32) (param $groups i32)
    (local $t i32) (local $g i32) (local $k i32) (local $s i32) (local $d i32) (local $wb i32) (local $r i32)
    (local $r0 v128) (local $r1 v128) (local $u0 v128) (local $u1 v128)
    (local.set $wb (i32.mul (local.get $groups) (i32.const 16)))
    (block $doneT
      (loop $overT ;; panels
        (br_if $doneT (i32.ge_s (local.get $t) (local.get $panels)))
        (local.set $g (i32.const 0))
        (block $doneG
          (loop $overG ;; groups of 2 rows within the panel
            (br_if $doneG (i32.ge_s (local.get $g) (local.get $groups)))
            ;; the group's first row, and its place within each k's 16*groups bytes
            (local.set $s (i32.add (local.get $src)
              (i32.mul (i32.mul (i32.add (i32.mul (local.get $t) (local.get $groups)) (local.get $g)) (i32.const 2)) (local.get $ld))))
            (local.set $d (i32.add (local.get $dst)
              (i32.add (i32.mul (i32.mul (local.get $t) (local.get $n)) (local.get $wb)) (i32.mul (local.get $g) (i32.const 16)))))
            (local.set $k (i32.const 0))
            (block $doneK
              (loop $overK ;; 2 values of k at a time
                (br_if $doneK (i32.gt_s (i32.add (local.get $k) (i32.const 2)) (local.get $n)))
                (local.set $r0 (v128.load (i32.add (local.get $s) (i32.mul (local.get $ld) (i32.const 0)))))
                (local.set $r1 (v128.load (i32.add (local.get $s) (i32.mul (local.get $ld) (i32.const 1)))))
                (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $r0) (local.get $r1)))
                (v128.store (i32.add (local.get $d) (local.get $wb)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $r0) (local.get $r1)))
                (local.set $s (i32.add (local.get $s) (i32.const 16)))
                (local.set $d (i32.add (local.get $d) (i32.mul (local.get $wb) (i32.const 2))))
                (local.set $k (i32.add (local.get $k) (i32.const 2)))
                (br $overK)))
            (block $doneTail
              (loop $overTail ;; the last n % 2 values of k, one row at a time
                (br_if $doneTail (i32.ge_s (local.get $k) (local.get $n)))
                (local.set $r (i32.const 0))
                (loop $overR
                  (f64.store (i32.add (local.get $d) (i32.mul (local.get $r) (i32.const 8)))
                    (f64.load (i32.add (local.get $s) (i32.mul (local.get $r) (local.get $ld)))))
                  (br_if $overR (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 2))))
                (local.set $s (i32.add (local.get $s) (i32.const 8)))
                (local.set $d (i32.add (local.get $d) (local.get $wb)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $overTail)))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br $overG)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $overT)))
  )

  ;; pack_rows_f32 (src, ld, dst, n, panels, groups): packing of operands whose panel entries lie in
  ;; different rows of the source (A stored row-major, B stored transposed), after the host copied
  ;; those rows into this memory. A panel is 4*groups rows, ld bytes apart; the packed panel
  ;; holds, for each k < n, the panel's rows' values at k (4 per 16-byte group), panels n*16*groups
  ;; bytes apart: out[t][k][row] = src[(t*rows + row)*ld + k]. 4 rows x 4 values of k are
  ;; transposed at once with shuffles; a last n % 4 values of k are copied one by one.
  (func (export "pack_rows_f32") (param $src i32) (param $ld i32) (param $dst i32) (param $n i32)
        (param $panels i32) (param $groups i32)
    (local $t i32) (local $g i32) (local $k i32) (local $s i32) (local $d i32) (local $wb i32) (local $r i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $u0 v128) (local $u1 v128)
    (local.set $wb (i32.mul (local.get $groups) (i32.const 16)))
    (block $doneT
      (loop $overT ;; panels
        (br_if $doneT (i32.ge_s (local.get $t) (local.get $panels)))
        (local.set $g (i32.const 0))
        (block $doneG
          (loop $overG ;; groups of 4 rows within the panel
            (br_if $doneG (i32.ge_s (local.get $g) (local.get $groups)))
            ;; the group's first row, and its place within each k's 16*groups bytes
            (local.set $s (i32.add (local.get $src)
              (i32.mul (i32.mul (i32.add (i32.mul (local.get $t) (local.get $groups)) (local.get $g)) (i32.const 4)) (local.get $ld))))
            (local.set $d (i32.add (local.get $dst)
              (i32.add (i32.mul (i32.mul (local.get $t) (local.get $n)) (local.get $wb)) (i32.mul (local.get $g) (i32.const 16)))))
            (local.set $k (i32.const 0))
            (block $doneK
              (loop $overK ;; 4 values of k at a time
                (br_if $doneK (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $n)))
                (local.set $r0 (v128.load (i32.add (local.get $s) (i32.mul (local.get $ld) (i32.const 0)))))
                (local.set $r1 (v128.load (i32.add (local.get $s) (i32.mul (local.get $ld) (i32.const 1)))))
                (local.set $r2 (v128.load (i32.add (local.get $s) (i32.mul (local.get $ld) (i32.const 2)))))
                (local.set $r3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $ld) (i32.const 3)))))
                ;; 4 x 4 transpose: u0 = (r0[0] r1[0] r0[1] r1[1]), u1 = the same of r2, r3; then halves
                (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
                (local.set $u1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
                (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u1)))
                (v128.store (i32.add (local.get $d) (local.get $wb)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u1)))
                (local.set $u0 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
                (local.set $u1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
                (v128.store (i32.add (local.get $d) (i32.mul (local.get $wb) (i32.const 2))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u1)))
                (v128.store (i32.add (local.get $d) (i32.mul (local.get $wb) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u1)))
                (local.set $s (i32.add (local.get $s) (i32.const 16)))
                (local.set $d (i32.add (local.get $d) (i32.mul (local.get $wb) (i32.const 4))))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $overK)))
            (block $doneTail
              (loop $overTail ;; the last n % 4 values of k, one row at a time
                (br_if $doneTail (i32.ge_s (local.get $k) (local.get $n)))
                (local.set $r (i32.const 0))
                (loop $overR
                  (f32.store (i32.add (local.get $d) (i32.mul (local.get $r) (i32.const 4)))
                    (f32.load (i32.add (local.get $s) (i32.mul (local.get $r) (local.get $ld)))))
                  (br_if $overR (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 4))))
                (local.set $s (i32.add (local.get $s) (i32.const 4)))
                (local.set $d (i32.add (local.get $d) (local.get $wb)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $overTail)))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br $overG)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $overT)))
  )
)
