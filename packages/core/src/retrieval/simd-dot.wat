;; Batched dot products with 128-bit SIMD: out[qi * nx + i] = Q[qi] · X[i] (float32 accumulation).
;; Source of the bytes embedded in simd-dot.ts; rebuild (in a scratch folder: npm i wabt@1.0.39) with
;;   node -e "require('wabt')().then(w => { const m = w.parseWat('f', require('fs').readFileSync(
;;     'simd-dot.wat', 'utf8'), { simd: true }); m.validate();
;;     console.log(Buffer.from(m.toBinary({}).buffer).toString('base64')) })"
;; float32: dim must be a multiple of 4; int8: 16; float16: 8.
(module
  (memory (export "memory") 1)
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
  ;; Register-tiled: four queries × two items per inner step (eight independent accumulators, so
  ;; the adds do not wait on each other and every loaded vector feeds two or four products).
  ;; Leftover queries (all of them in a single-query search) run one at a time, one row at a time.
  (func (export "scores")
    (param $q i32) (param $nq i32) (param $x i32) (param $nx i32) (param $dim i32) (param $out i32)
    (local $row i32) (local $qi i32) (local $i i32) (local $j i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32) (local $x0 i32) (local $x1 i32)
    (local $o i32) (local $stride i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $u v128) (local $v v128) (local $w v128)
    (local.set $row (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $stride (i32.shl (local.get $nx) (i32.const 2)))
    (local.set $qi (i32.const 0))
    (block $done4
      (loop $lq
        (br_if $done4 (i32.gt_s (i32.add (local.get $qi) (i32.const 4)) (local.get $nq)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $qi) (local.get $row))))
        (local.set $q1 (i32.add (local.get $q0) (local.get $row)))
        (local.set $q2 (i32.add (local.get $q1) (local.get $row)))
        (local.set $q3 (i32.add (local.get $q2) (local.get $row)))
        (local.set $i (i32.const 0))
        (block $endi
          (loop $li
            (br_if $endi (i32.gt_s (i32.add (local.get $i) (i32.const 2)) (local.get $nx)))
            (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $row))))
            (local.set $x1 (i32.add (local.get $x0) (local.get $row)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0))
            (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0))
            (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (block $endj
              (loop $lj
                (br_if $endj (i32.ge_s (local.get $j) (local.get $row)))
                (local.set $u (v128.load (i32.add (local.get $x0) (local.get $j))))
                (local.set $v (v128.load (i32.add (local.get $x1) (local.get $j))))
                (local.set $w (v128.load (i32.add (local.get $q0) (local.get $j))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (local.get $u))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (local.get $v))))
                (local.set $w (v128.load (i32.add (local.get $q1) (local.get $j))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (local.get $u))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (local.get $v))))
                (local.set $w (v128.load (i32.add (local.get $q2) (local.get $j))))
                (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $w) (local.get $u))))
                (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $w) (local.get $v))))
                (local.set $w (v128.load (i32.add (local.get $q3) (local.get $j))))
                (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $w) (local.get $u))))
                (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $w) (local.get $v))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $lj)))
            (local.set $o (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $qi) (local.get $nx)) (local.get $i)) (i32.const 2))))
            (f32.store (local.get $o) (call $hsum (local.get $a0)))
            (f32.store offset=4 (local.get $o) (call $hsum (local.get $a1)))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (f32.store (local.get $o) (call $hsum (local.get $a2)))
            (f32.store offset=4 (local.get $o) (call $hsum (local.get $a3)))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (f32.store (local.get $o) (call $hsum (local.get $a4)))
            (f32.store offset=4 (local.get $o) (call $hsum (local.get $a5)))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (f32.store (local.get $o) (call $hsum (local.get $a6)))
            (f32.store offset=4 (local.get $o) (call $hsum (local.get $a7)))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $li)))
        ;; an odd last item: four queries × one item
        (if (i32.lt_s (local.get $i) (local.get $nx)) (then
          (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $row))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
          (local.set $j (i32.const 0))
          (block $endj2
            (loop $lj2
              (br_if $endj2 (i32.ge_s (local.get $j) (local.get $row)))
              (local.set $u (v128.load (i32.add (local.get $x0) (local.get $j))))
              (local.set $w (v128.load (i32.add (local.get $q0) (local.get $j))))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (local.get $u))))
              (local.set $w (v128.load (i32.add (local.get $q1) (local.get $j))))
              (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (local.get $u))))
              (local.set $w (v128.load (i32.add (local.get $q2) (local.get $j))))
              (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (local.get $u))))
              (local.set $w (v128.load (i32.add (local.get $q3) (local.get $j))))
              (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (local.get $u))))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br $lj2)))
          (local.set $o (i32.add (local.get $out)
            (i32.shl (i32.add (i32.mul (local.get $qi) (local.get $nx)) (local.get $i)) (i32.const 2))))
          (f32.store (local.get $o) (call $hsum (local.get $a0)))
          (local.set $o (i32.add (local.get $o) (local.get $stride)))
          (f32.store (local.get $o) (call $hsum (local.get $a1)))
          (local.set $o (i32.add (local.get $o) (local.get $stride)))
          (f32.store (local.get $o) (call $hsum (local.get $a2)))
          (local.set $o (i32.add (local.get $o) (local.get $stride)))
          (f32.store (local.get $o) (call $hsum (local.get $a3)))))
        (local.set $qi (i32.add (local.get $qi) (i32.const 4)))
        (br $lq)))
    ;; remaining queries (all of them for a single-query search), one at a time, one item row at
    ;; a time: the row is read front to back as one sequential stream (what the hardware prefetcher
    ;; follows best; interleaving several rows measured ~2× slower here) into eight independent
    ;; accumulators, 128 bytes a step, so the scan runs near the memory bandwidth.
    (block $done1
      (loop $lq1
        (br_if $done1 (i32.ge_s (local.get $qi) (local.get $nq)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $qi) (local.get $row))))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $qi) (local.get $nx)) (i32.const 2))))
        (local.set $x0 (local.get $x))
        (local.set $i (i32.const 0))
        (block $endi1
          (loop $li1
            (br_if $endi1 (i32.ge_s (local.get $i) (local.get $nx)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0))
            (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0))
            (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (block $endj1
              (loop $lj1
                (br_if $endj1 (i32.gt_s (i32.add (local.get $j) (i32.const 128)) (local.get $row)))
                (local.set $x1 (i32.add (local.get $x0) (local.get $j)))
                (local.set $q1 (i32.add (local.get $q0) (local.get $j)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (local.get $q1)) (v128.load offset=0 (local.get $x1)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $q1)) (v128.load offset=16 (local.get $x1)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $q1)) (v128.load offset=32 (local.get $x1)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $q1)) (v128.load offset=48 (local.get $x1)))))
                (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (v128.load offset=64 (local.get $q1)) (v128.load offset=64 (local.get $x1)))))
                (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (v128.load offset=80 (local.get $q1)) (v128.load offset=80 (local.get $x1)))))
                (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (v128.load offset=96 (local.get $q1)) (v128.load offset=96 (local.get $x1)))))
                (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (v128.load offset=112 (local.get $q1)) (v128.load offset=112 (local.get $x1)))))
                (local.set $j (i32.add (local.get $j) (i32.const 128)))
                (br $lj1)))
            (block $endj3
              (loop $lj3
                (br_if $endj3 (i32.ge_s (local.get $j) (local.get $row)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
                  (v128.load (i32.add (local.get $q0) (local.get $j)))
                  (v128.load (i32.add (local.get $x0) (local.get $j))))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $lj3)))
            ;; the horizontal sum inlined (a call per row cost ~5 % of a single-query scan)
            (local.set $a0 (f32x4.add
              (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
              (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7)))))
            (f32.store (local.get $o) (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
              (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $x0 (i32.add (local.get $x0) (local.get $row)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $li1)))
        (local.set $qi (i32.add (local.get $qi) (i32.const 1)))
        (br $lq1))))
  ;; int8 codes: out[qi * nx + i] = f32(Q[qi] · X[i]) where queries are pre-widened to i16 (row =
  ;; 2·dim bytes) and items are i8 (row = dim bytes); dim must be a multiple of 16. Products are
  ;; summed exactly in i32 by i32x4.dot_i16x8_s (|sum| ≤ 127² · dim fits easily).
  (func (export "scores_i8")
    (param $q i32) (param $nq i32) (param $x i32) (param $nx i32) (param $dim i32) (param $out i32)
    (local $qrow i32) (local $qi i32) (local $i i32) (local $j i32) (local $jq i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32) (local $xr i32) (local $o i32)
    (local $stride i32) (local $n i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $lo v128) (local $hi v128)
    (local.set $qrow (i32.shl (local.get $dim) (i32.const 1)))
    (local.set $stride (i32.shl (local.get $nx) (i32.const 2)))
    (local.set $qi (i32.const 0))
    (block $done
      (loop $lq
        (br_if $done (i32.ge_s (local.get $qi) (local.get $nq)))
        ;; up to four queries; missing ones alias the last real one and are not stored
        (local.set $n (i32.sub (local.get $nq) (local.get $qi)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $qi) (local.get $qrow))))
        (if (i32.eq (local.get $n) (i32.const 1)) (then
          (call $scores_i8_one (local.get $q0) (local.get $x) (local.get $nx) (local.get $dim)
            (i32.add (local.get $out) (i32.shl (i32.mul (local.get $qi) (local.get $nx)) (i32.const 2))))
          (br $done)))
        (local.set $q1 (select (i32.add (local.get $q0) (local.get $qrow)) (local.get $q0) (i32.gt_s (local.get $n) (i32.const 1))))
        (local.set $q2 (select (i32.add (local.get $q1) (local.get $qrow)) (local.get $q1) (i32.gt_s (local.get $n) (i32.const 2))))
        (local.set $q3 (select (i32.add (local.get $q2) (local.get $qrow)) (local.get $q2) (i32.gt_s (local.get $n) (i32.const 3))))
        (local.set $i (i32.const 0))
        (block $endi
          (loop $li
            (br_if $endi (i32.ge_s (local.get $i) (local.get $nx)))
            (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $dim))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (local.set $jq (i32.const 0))
            (block $endj
              (loop $lj
                (br_if $endj (i32.ge_s (local.get $j) (local.get $dim)))
                (local.set $lo (v128.load (i32.add (local.get $xr) (local.get $j))))
                (local.set $hi (i16x8.extend_high_i8x16_s (local.get $lo)))
                (local.set $lo (i16x8.extend_low_i8x16_s (local.get $lo)))
                (local.set $a0 (i32x4.add (local.get $a0) (i32x4.add
                  (i32x4.dot_i16x8_s (v128.load (i32.add (local.get $q0) (local.get $jq))) (local.get $lo))
                  (i32x4.dot_i16x8_s (v128.load offset=16 (i32.add (local.get $q0) (local.get $jq))) (local.get $hi)))))
                (local.set $a1 (i32x4.add (local.get $a1) (i32x4.add
                  (i32x4.dot_i16x8_s (v128.load (i32.add (local.get $q1) (local.get $jq))) (local.get $lo))
                  (i32x4.dot_i16x8_s (v128.load offset=16 (i32.add (local.get $q1) (local.get $jq))) (local.get $hi)))))
                (local.set $a2 (i32x4.add (local.get $a2) (i32x4.add
                  (i32x4.dot_i16x8_s (v128.load (i32.add (local.get $q2) (local.get $jq))) (local.get $lo))
                  (i32x4.dot_i16x8_s (v128.load offset=16 (i32.add (local.get $q2) (local.get $jq))) (local.get $hi)))))
                (local.set $a3 (i32x4.add (local.get $a3) (i32x4.add
                  (i32x4.dot_i16x8_s (v128.load (i32.add (local.get $q3) (local.get $jq))) (local.get $lo))
                  (i32x4.dot_i16x8_s (v128.load offset=16 (i32.add (local.get $q3) (local.get $jq))) (local.get $hi)))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (local.set $jq (i32.add (local.get $jq) (i32.const 32)))
                (br $lj)))
            (local.set $o (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $qi) (local.get $nx)) (local.get $i)) (i32.const 2))))
            (f32.store (local.get $o) (call $hsum_i (local.get $a0)))
            (if (i32.gt_s (local.get $n) (i32.const 1)) (then
              (f32.store (i32.add (local.get $o) (local.get $stride)) (call $hsum_i (local.get $a1)))))
            (if (i32.gt_s (local.get $n) (i32.const 2)) (then
              (f32.store (i32.add (local.get $o) (i32.shl (local.get $stride) (i32.const 1))) (call $hsum_i (local.get $a2)))))
            (if (i32.gt_s (local.get $n) (i32.const 3)) (then
              (f32.store (i32.add (local.get $o) (i32.mul (local.get $stride) (i32.const 3))) (call $hsum_i (local.get $a3)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $li)))
        (local.set $qi (i32.add (local.get $qi) (i32.const 4)))
        (br $lq))))
  (func $hsum_i (param $v v128) (result f32)
    (f32.convert_i32_s (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v))))))
  ;; float16 items (IEEE binary16 bits, row = 2·dim bytes) × float32 queries (row = 4·dim bytes);
  ;; dim must be a multiple of 8. Halves are widened exactly: magnitude bits shifted into a float32
  ;; and scaled by 2^112 (this also covers subnormals), sign bit or-ed back. Up to four queries
  ;; share each decoded item; missing ones alias the last real query and are not stored.
  (func (export "scores_f16")
    (param $q i32) (param $nq i32) (param $x i32) (param $nx i32) (param $dim i32) (param $out i32)
    (local $row i32) (local $xrow i32) (local $qi i32) (local $i i32) (local $j i32) (local $jx i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32) (local $xr i32) (local $o i32)
    (local $stride i32) (local $n i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $h v128) (local $t v128) (local $lo v128) (local $hi v128)
    (local $mmag v128) (local $msgn v128) (local $mul v128)
    (local.set $mmag (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff))
    (local.set $msgn (v128.const i32x4 0x8000 0x8000 0x8000 0x8000))
    (local.set $mul (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
    (local.set $row (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $xrow (i32.shl (local.get $dim) (i32.const 1)))
    (local.set $stride (i32.shl (local.get $nx) (i32.const 2)))
    (local.set $qi (i32.const 0))
    (block $done
      (loop $lq
        (br_if $done (i32.ge_s (local.get $qi) (local.get $nq)))
        (local.set $n (i32.sub (local.get $nq) (local.get $qi)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $qi) (local.get $row))))
        (if (i32.eq (local.get $n) (i32.const 1)) (then
          (call $scores_f16_one (local.get $q0) (local.get $x) (local.get $nx) (local.get $dim)
            (i32.add (local.get $out) (i32.shl (i32.mul (local.get $qi) (local.get $nx)) (i32.const 2))))
          (br $done)))
        (local.set $q1 (select (i32.add (local.get $q0) (local.get $row)) (local.get $q0) (i32.gt_s (local.get $n) (i32.const 1))))
        (local.set $q2 (select (i32.add (local.get $q1) (local.get $row)) (local.get $q1) (i32.gt_s (local.get $n) (i32.const 2))))
        (local.set $q3 (select (i32.add (local.get $q2) (local.get $row)) (local.get $q2) (i32.gt_s (local.get $n) (i32.const 3))))
        (local.set $i (i32.const 0))
        (block $endi
          (loop $li
            (br_if $endi (i32.ge_s (local.get $i) (local.get $nx)))
            (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $xrow))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $b0 (v128.const i32x4 0 0 0 0))
            (local.set $b1 (v128.const i32x4 0 0 0 0))
            (local.set $b2 (v128.const i32x4 0 0 0 0))
            (local.set $b3 (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (local.set $jx (i32.const 0))
            (block $endj
              (loop $lj
                (br_if $endj (i32.ge_s (local.get $jx) (local.get $xrow)))
                (local.set $h (v128.load (i32.add (local.get $xr) (local.get $jx))))
                (local.set $t (i32x4.extend_low_i16x8_u (local.get $h)))
                (local.set $lo (v128.or
                  (f32x4.mul (i32x4.shl (v128.and (local.get $t) (local.get $mmag)) (i32.const 13)) (local.get $mul))
                  (i32x4.shl (v128.and (local.get $t) (local.get $msgn)) (i32.const 16))))
                (local.set $t (i32x4.extend_high_i16x8_u (local.get $h)))
                (local.set $hi (v128.or
                  (f32x4.mul (i32x4.shl (v128.and (local.get $t) (local.get $mmag)) (i32.const 13)) (local.get $mul))
                  (i32x4.shl (v128.and (local.get $t) (local.get $msgn)) (i32.const 16))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $q0) (local.get $j))) (local.get $lo))))
                (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (v128.load offset=16 (i32.add (local.get $q0) (local.get $j))) (local.get $hi))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load (i32.add (local.get $q1) (local.get $j))) (local.get $lo))))
                (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $q1) (local.get $j))) (local.get $hi))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load (i32.add (local.get $q2) (local.get $j))) (local.get $lo))))
                (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (v128.load offset=16 (i32.add (local.get $q2) (local.get $j))) (local.get $hi))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load (i32.add (local.get $q3) (local.get $j))) (local.get $lo))))
                (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (v128.load offset=16 (i32.add (local.get $q3) (local.get $j))) (local.get $hi))))
                (local.set $j (i32.add (local.get $j) (i32.const 32)))
                (local.set $jx (i32.add (local.get $jx) (i32.const 16)))
                (br $lj)))
            (local.set $o (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $qi) (local.get $nx)) (local.get $i)) (i32.const 2))))
            (f32.store (local.get $o) (call $hsum (f32x4.add (local.get $a0) (local.get $b0))))
            (if (i32.gt_s (local.get $n) (i32.const 1)) (then
              (f32.store (i32.add (local.get $o) (local.get $stride)) (call $hsum (f32x4.add (local.get $a1) (local.get $b1))))))
            (if (i32.gt_s (local.get $n) (i32.const 2)) (then
              (f32.store (i32.add (local.get $o) (i32.shl (local.get $stride) (i32.const 1))) (call $hsum (f32x4.add (local.get $a2) (local.get $b2))))))
            (if (i32.gt_s (local.get $n) (i32.const 3)) (then
              (f32.store (i32.add (local.get $o) (i32.mul (local.get $stride) (i32.const 3))) (call $hsum (f32x4.add (local.get $a3) (local.get $b3))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $li)))
        (local.set $qi (i32.add (local.get $qi) (i32.const 4)))
        (br $lq))))
  ;; One int8 query (the last of a batch, or a single-query search): each item row read front to
  ;; back, 32 bytes a step into four independent accumulators, rather than the four-query tile
  ;; with three aliased (wasted) queries.
  (func $scores_i8_one (param $q i32) (param $x i32) (param $nx i32) (param $dim i32) (param $out i32)
    (local $i i32) (local $j i32) (local $xr i32) (local $qj i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $v v128)
    (local.set $xr (local.get $x))
    (local.set $i (i32.const 0))
    (block $endi
      (loop $li
        (br_if $endi (i32.ge_s (local.get $i) (local.get $nx)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $endj
          (loop $lj
            (br_if $endj (i32.gt_s (i32.add (local.get $j) (i32.const 32)) (local.get $dim)))
            (local.set $qj (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 1))))
            (local.set $v (v128.load (i32.add (local.get $xr) (local.get $j))))
            (local.set $a0 (i32x4.add (local.get $a0)
              (i32x4.dot_i16x8_s (v128.load (local.get $qj)) (i16x8.extend_low_i8x16_s (local.get $v)))))
            (local.set $a1 (i32x4.add (local.get $a1)
              (i32x4.dot_i16x8_s (v128.load offset=16 (local.get $qj)) (i16x8.extend_high_i8x16_s (local.get $v)))))
            (local.set $v (v128.load offset=16 (i32.add (local.get $xr) (local.get $j))))
            (local.set $a2 (i32x4.add (local.get $a2)
              (i32x4.dot_i16x8_s (v128.load offset=32 (local.get $qj)) (i16x8.extend_low_i8x16_s (local.get $v)))))
            (local.set $a3 (i32x4.add (local.get $a3)
              (i32x4.dot_i16x8_s (v128.load offset=48 (local.get $qj)) (i16x8.extend_high_i8x16_s (local.get $v)))))
            (local.set $j (i32.add (local.get $j) (i32.const 32)))
            (br $lj)))
        ;; a 16-byte tail when dim is an odd multiple of 16
        (if (i32.lt_s (local.get $j) (local.get $dim)) (then
          (local.set $qj (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 1))))
          (local.set $v (v128.load (i32.add (local.get $xr) (local.get $j))))
          (local.set $a0 (i32x4.add (local.get $a0)
            (i32x4.dot_i16x8_s (v128.load (local.get $qj)) (i16x8.extend_low_i8x16_s (local.get $v)))))
          (local.set $a1 (i32x4.add (local.get $a1)
            (i32x4.dot_i16x8_s (v128.load offset=16 (local.get $qj)) (i16x8.extend_high_i8x16_s (local.get $v)))))))
        (local.set $a0 (i32x4.add (i32x4.add (local.get $a0) (local.get $a1)) (i32x4.add (local.get $a2) (local.get $a3))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (f32.convert_i32_s (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $a0)) (i32x4.extract_lane 1 (local.get $a0)))
          (i32.add (i32x4.extract_lane 2 (local.get $a0)) (i32x4.extract_lane 3 (local.get $a0))))))
        (local.set $xr (i32.add (local.get $xr) (local.get $dim)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $li))))
  ;; Streaming read of `bytes` bytes from `x` (a multiple of 64), summed so that nothing is
  ;; optimised away: the memory-bandwidth yardstick the exact-search benchmark measures the
  ;; single-query scans against.
  (func (export "stream_read") (param $x i32) (param $bytes i32) (result i32)
    (local $end i32) (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local.set $end (i32.add (local.get $x) (local.get $bytes)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $a (i32x4.add (local.get $a) (v128.load (local.get $x))))
        (local.set $b (i32x4.add (local.get $b) (v128.load offset=16 (local.get $x))))
        (local.set $c (i32x4.add (local.get $c) (v128.load offset=32 (local.get $x))))
        (local.set $d (i32x4.add (local.get $d) (v128.load offset=48 (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (br $l)))
    (i32x4.extract_lane 0 (i32x4.add (i32x4.add (local.get $a) (local.get $b)) (i32x4.add (local.get $c) (local.get $d)))))
  ;; One float16 query (the last of a batch, or a single-query search): each row decoded and read
  ;; front to back alone (16 halves a step, four accumulators) instead of the four-query tile with
  ;; three aliased queries. Same exact widening as scores_f16; dim must be a multiple of 8.
  (func $scores_f16_one (param $q i32) (param $x i32) (param $nx i32) (param $dim i32) (param $out i32)
    (local $i i32) (local $jx i32) (local $xrow i32) (local $xr i32) (local $qj i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $h v128) (local $t v128) (local $lo v128) (local $hi v128)
    (local $mmag v128) (local $msgn v128) (local $mul v128)
    (local.set $mmag (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff))
    (local.set $msgn (v128.const i32x4 0x8000 0x8000 0x8000 0x8000))
    (local.set $mul (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
    (local.set $xrow (i32.shl (local.get $dim) (i32.const 1)))
    (local.set $xr (local.get $x))
    (local.set $i (i32.const 0))
    (block $endi
      (loop $li
        (br_if $endi (i32.ge_s (local.get $i) (local.get $nx)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $jx (i32.const 0))
        (block $endj
          (loop $lj
            (br_if $endj (i32.gt_s (i32.add (local.get $jx) (i32.const 32)) (local.get $xrow)))
            ;; halves at byte jx of the row pair with query floats at byte 2·jx
            (local.set $qj (i32.add (local.get $q) (i32.shl (local.get $jx) (i32.const 1))))
            (local.set $h (v128.load (i32.add (local.get $xr) (local.get $jx))))
            (local.set $t (i32x4.extend_low_i16x8_u (local.get $h)))
            (local.set $lo (v128.or
              (f32x4.mul (i32x4.shl (v128.and (local.get $t) (local.get $mmag)) (i32.const 13)) (local.get $mul))
              (i32x4.shl (v128.and (local.get $t) (local.get $msgn)) (i32.const 16))))
            (local.set $t (i32x4.extend_high_i16x8_u (local.get $h)))
            (local.set $hi (v128.or
              (f32x4.mul (i32x4.shl (v128.and (local.get $t) (local.get $mmag)) (i32.const 13)) (local.get $mul))
              (i32x4.shl (v128.and (local.get $t) (local.get $msgn)) (i32.const 16))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $qj)) (local.get $lo))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $qj)) (local.get $hi))))
            (local.set $h (v128.load offset=16 (i32.add (local.get $xr) (local.get $jx))))
            (local.set $t (i32x4.extend_low_i16x8_u (local.get $h)))
            (local.set $lo (v128.or
              (f32x4.mul (i32x4.shl (v128.and (local.get $t) (local.get $mmag)) (i32.const 13)) (local.get $mul))
              (i32x4.shl (v128.and (local.get $t) (local.get $msgn)) (i32.const 16))))
            (local.set $t (i32x4.extend_high_i16x8_u (local.get $h)))
            (local.set $hi (v128.or
              (f32x4.mul (i32x4.shl (v128.and (local.get $t) (local.get $mmag)) (i32.const 13)) (local.get $mul))
              (i32x4.shl (v128.and (local.get $t) (local.get $msgn)) (i32.const 16))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $qj)) (local.get $lo))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $qj)) (local.get $hi))))
            (local.set $jx (i32.add (local.get $jx) (i32.const 32)))
            (br $lj)))
        ;; an 8-half tail when dim is an odd multiple of 8
        (if (i32.lt_s (local.get $jx) (local.get $xrow)) (then
          (local.set $qj (i32.add (local.get $q) (i32.shl (local.get $jx) (i32.const 1))))
          (local.set $h (v128.load (i32.add (local.get $xr) (local.get $jx))))
            (local.set $t (i32x4.extend_low_i16x8_u (local.get $h)))
            (local.set $lo (v128.or
              (f32x4.mul (i32x4.shl (v128.and (local.get $t) (local.get $mmag)) (i32.const 13)) (local.get $mul))
              (i32x4.shl (v128.and (local.get $t) (local.get $msgn)) (i32.const 16))))
            (local.set $t (i32x4.extend_high_i16x8_u (local.get $h)))
            (local.set $hi (v128.or
              (f32x4.mul (i32x4.shl (v128.and (local.get $t) (local.get $mmag)) (i32.const 13)) (local.get $mul))
              (i32x4.shl (v128.and (local.get $t) (local.get $msgn)) (i32.const 16))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $qj)) (local.get $lo))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $qj)) (local.get $hi))))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (call $hsum (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))))
        (local.set $xr (i32.add (local.get $xr) (local.get $xrow)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $li))))
)
