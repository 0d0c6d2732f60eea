//! Shape and movement ops. References index the input directly from each output position.

use ferroflow::ops;
use ferroflow::DType::{self, F32, I32};

use crate::conformance::reference::{at_broadcast, broadcast_shape, permute, Arr};
use crate::conformance::{Case, Rng, Tol};

/// Concatenation along `axis` by looking up which part each output index falls in.
fn concat_ref(parts: &[Arr], axis: usize) -> Arr {
    let mut shape = parts[0].shape.clone();
    shape[axis] = parts.iter().map(|p| p.shape[axis]).sum();
    // TF promotion order: bool < int32 < float32.
    let rank = |d: DType| {
        [DType::Bool, DType::I32, DType::F32]
            .iter()
            .position(|&x| x == d)
            .unwrap_or(2)
    };
    let dtype = parts.iter().map(|p| p.dtype).max_by_key(|&d| rank(d)).unwrap_or(F32);
    Arr::from_fn(&shape, dtype, |o| {
        let mut idx = o.to_vec();
        for p in parts {
            if idx[axis] < p.shape[axis] {
                return p.at(&idx);
            }
            idx[axis] -= p.shape[axis];
        }
        f64::NAN
    })
}

/// Elements `begin + k*step` along each dim for `len` steps (negative steps walk backwards).
fn strided_ref(x: &Arr, begin: &[isize], step: &[isize], len: &[usize]) -> Arr {
    Arr::from_fn(len, x.dtype, |o| {
        let idx: Vec<usize> = (0..x.rank())
            .map(|d| (begin[d] + o[d] as isize * step[d]) as usize)
            .collect();
        x.at(&idx)
    })
}

/// TF stridedSlice, written as TF documents it: per dim, resolve begin/end (masks, negative
/// indices, clamping), then walk from begin toward end by stride; shrunk dims are dropped.
fn strided_slice_ref(x: &Arr, begin: &[isize], end: &[isize], strides: &[isize], bm: u32, em: u32, sm: u32) -> Arr {
    let r = x.rank();
    let (mut b0, mut st, mut len, mut keep) = (vec![0isize; r], vec![1isize; r], x.shape.clone(), vec![true; r]);
    for d in 0..begin.len() {
        let n = x.shape[d] as isize;
        let s = strides[d];
        let fix = |v: isize| if v < 0 { v + n } else { v };
        if sm >> d & 1 == 1 {
            b0[d] = fix(begin[d]);
            len[d] = 1;
            keep[d] = false;
            continue;
        }
        let (b, e) = if s > 0 {
            let b = if bm >> d & 1 == 1 { 0 } else { fix(begin[d]).clamp(0, n) };
            let e = if em >> d & 1 == 1 { n } else { fix(end[d]).clamp(0, n) };
            (b, e)
        } else {
            let b = if bm >> d & 1 == 1 {
                n - 1
            } else {
                fix(begin[d]).clamp(-1, n - 1)
            };
            let e = if em >> d & 1 == 1 {
                -1
            } else {
                fix(end[d]).clamp(-1, n - 1)
            };
            (b, e)
        };
        let mut count = 0;
        let mut i = b;
        while (s > 0 && i < e) || (s < 0 && i > e) {
            count += 1;
            i += s;
        }
        b0[d] = b;
        st[d] = s;
        len[d] = count;
    }
    let full = strided_ref(x, &b0, &st, &len);
    let shape: Vec<usize> = (0..r).filter(|&d| keep[d]).map(|d| len[d]).collect();
    full.reshaped(&shape)
}

pub fn cases() -> Vec<Case> {
    let mut r = Rng::new(0x30e);
    let mut v = vec![];
    let mut arr = |s: &[usize]| Arr::f32(s, r.uniform(s.iter().product(), -2.0, 2.0));
    let x = arr(&[2, 3, 4]);
    let grad = Tol::GRAD;

    v.push(
        Case::new("reshape", vec![x.clone()], |t| t[0].reshape(&[4, -1]))
            .reference(|a| a[0].reshaped(&[4, 6]))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    v.push(
        Case::new("flatten", vec![x.clone()], |t| t[0].flatten())
            .reference(|a| a[0].reshaped(&[24]))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    v.push(
        Case::new("transpose", vec![x.clone()], |t| t[0].transpose(&[1, 2, 0]))
            .variant("perm")
            .reference(|a| permute(&a[0], &[1, 2, 0]))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    v.push(
        Case::new("transpose", vec![x.clone()], |t| t[0].transpose(&[]))
            .variant("default-reverse")
            .reference(|a| permute(&a[0], &[2, 1, 0]))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    v.push(
        Case::new("expandDims", vec![x.clone()], |t| t[0].expand_dims(-1))
            .reference(|a| a[0].reshaped(&[2, 3, 4, 1]))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    let sq = arr(&[3, 1, 4, 1]);
    v.push(
        Case::new("squeeze", vec![sq.clone()], |t| t[0].squeeze(&[]))
            .variant("all")
            .reference(|a| a[0].reshaped(&[3, 4]))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    v.push(
        Case::new("squeeze", vec![sq], |t| t[0].squeeze(&[-1]))
            .variant("axis-1")
            .reference(|a| a[0].reshaped(&[3, 1, 4]))
            .tol(Tol::EXACT)
            .grad(grad),
    );

    let (c1, c2, c3) = (arr(&[2, 1, 4]), arr(&[2, 3, 4]), arr(&[2, 2, 4]));
    v.push(
        Case::new("concat", vec![c1, c2, c3], |t| ops::concat(&t[..3], 1))
            .variant("axis1-3parts")
            .reference(|a| concat_ref(a, 1))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    let (d1, d2) = (arr(&[2, 3]), arr(&[2, 2]));
    v.push(
        Case::new("concat", vec![d1, d2], |t| ops::concat(&t[..2], -1))
            .variant("axis-1")
            .reference(|a| concat_ref(a, 1))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    let (b1, b2) = (
        Arr::bool(&[1, 3], vec![true, false, true]),
        Arr::bool(&[2, 3], vec![false, true, true, false, false, true]),
    );
    v.push(
        Case::new("concat", vec![b1, b2], |t| ops::concat(&t[..2], 0))
            .variant("bool")
            .reference(|a| concat_ref(a, 0))
            .tol(Tol::EXACT),
    );
    let (i1, i2) = (
        Arr::i32(&[2, 2], vec![1.0, -2.0, 3.0, 4.0]),
        Arr::i32(&[2, 1], vec![7.0, -8.0]),
    );
    v.push(
        Case::new("concat", vec![i1, i2], |t| ops::concat(&t[..2], 1))
            .variant("int32")
            .reference(|a| concat_ref(a, 1))
            .tol(Tol::EXACT),
    );

    let (s1, s2, s3) = (arr(&[2, 3]), arr(&[2, 3]), arr(&[2, 3]));
    let stack_ref = |a: &[Arr], axis: usize| {
        let parts: Vec<Arr> = a
            .iter()
            .map(|p| {
                let mut s = p.shape.clone();
                s.insert(axis, 1);
                p.reshaped(&s)
            })
            .collect();
        concat_ref(&parts, axis)
    };
    v.push(
        Case::new("stack", vec![s1.clone(), s2.clone(), s3.clone()], |t| {
            ops::stack(&t[..3], 1)
        })
        .variant("axis1")
        .reference(move |a| stack_ref(a, 1))
        .tol(Tol::EXACT)
        .grad(grad),
    );
    v.push(
        Case::new("stack", vec![s1, s2, s3], |t| ops::stack(&t[..3], -1))
            .variant("axis-1")
            .reference(move |a| stack_ref(a, 2))
            .tol(Tol::EXACT)
            .grad(grad),
    );

    let sx = arr(&[3, 5, 2]);
    v.push(
        Case::multi("split", vec![sx.clone()], |t| t[0].split(&[2, 0, 3], 1))
            .variant("sizes-with-empty")
            .reference_multi(|a| {
                let x = &a[0];
                [(0, 2), (2, 0), (2, 3)]
                    .iter()
                    .map(|&(off, n)| Arr::from_fn(&[3, n, 2], F32, |o| x.at(&[o[0], o[1] + off, o[2]])))
                    .collect()
            })
            .tol(Tol::EXACT)
            .grad(grad),
    );
    v.push(
        Case::multi("split", vec![arr(&[4, 3])], |t| t[0].split_n(2, 0))
            .variant("n2-axis0")
            .reference_multi(|a| {
                (0..2)
                    .map(|k| Arr::from_fn(&[2, 3], F32, |o| a[0].at(&[o[0] + 2 * k, o[1]])))
                    .collect()
            })
            .tol(Tol::EXACT)
            .grad(grad),
    );
    v.push(
        Case::multi("unstack", vec![sx], |t| t[0].unstack(-1))
            .variant("axis-1")
            .reference_multi(|a| {
                (0..2)
                    .map(|k| Arr::from_fn(&[3, 5], F32, |o| a[0].at(&[o[0], o[1], k])))
                    .collect()
            })
            .tol(Tol::EXACT)
            .grad(grad),
    );

    let sl = arr(&[4, 5, 3]);
    v.push(
        Case::new("slice", vec![sl.clone()], |t| t[0].slice(&[1, 2, 0], &[2, -1, 2]))
            .reference(|a| Arr::from_fn(&[2, 3, 2], F32, |o| a[0].at(&[o[0] + 1, o[1] + 2, o[2]])))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    type Spec = (&'static str, [isize; 3], [isize; 3], [isize; 3], u32, u32, u32);
    let specs: [Spec; 6] = [
        ("positive-strides", [0, 1, 0], [4, 5, 3], [2, 2, 1], 0, 0, 0),
        ("negative-strides", [-1, 4, 2], [0, 0, -4], [-1, -2, -1], 0, 0, 0),
        ("masks", [2, 3, 1], [1, 0, 2], [1, -1, 1], 0b001, 0b110, 0),
        ("shrink-middle", [1, -2, 0], [3, 0, 3], [1, 1, 2], 0, 0, 0b010),
        (
            "negative-begin-clamped",
            [-10, -3, 5],
            [10, 10, -10],
            [3, 1, -2],
            0,
            0,
            0,
        ),
        ("empty-range", [3, 1, 0], [1, 4, 3], [1, 1, 1], 0, 0, 0),
    ];
    for (name, b, e, s, bm, em, sm) in specs {
        v.push(
            Case::new("stridedSlice", vec![sl.clone()], move |t| {
                t[0].strided_slice(&b, &e, &s, bm, em, sm)
            })
            .variant(name)
            .reference(move |a| strided_slice_ref(&a[0], &b, &e, &s, bm, em, sm))
            .tol(Tol::EXACT)
            .grad(grad),
        );
    }
    v.push(
        Case::new("stridedSlice", vec![sl.clone()], |t| {
            t[0].strided_slice(&[-1], &[0], &[-2], 0, 1, 0)
        })
        .variant("partial-spec")
        .reference(|a| strided_slice_ref(&a[0], &[-1, 0, 0], &[0, 5, 3], &[-2, 1, 1], 0b110, 0b111, 0))
        .tol(Tol::EXACT)
        .grad(grad),
    );

    let px = arr(&[2, 3]);
    let pad_ref = |a: &Arr, p: [(usize, usize); 2], c: f64| {
        let shape: Vec<usize> = (0..2).map(|d| a.shape[d] + p[d].0 + p[d].1).collect();
        Arr::from_fn(&shape, a.dtype, |o| {
            let i: Vec<isize> = (0..2).map(|d| o[d] as isize - p[d].0 as isize).collect();
            if (0..2).all(|d| i[d] >= 0 && i[d] < a.shape[d] as isize) {
                a.at(&[i[0] as usize, i[1] as usize])
            } else {
                c
            }
        })
    };
    v.push(
        Case::new("pad", vec![px.clone()], |t| t[0].pad(&[(1, 0), (2, 3)], 0.0))
            .variant("zero")
            .reference(move |a| pad_ref(&a[0], [(1, 0), (2, 3)], 0.0))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    v.push(
        Case::new("pad", vec![px.clone()], |t| t[0].pad(&[(0, 2), (1, 1)], -1.5))
            .variant("constant")
            .reference(move |a| pad_ref(&a[0], [(0, 2), (1, 1)], -1.5))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    let pi = Arr::i32(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]);
    v.push(
        Case::new("pad", vec![pi], |t| t[0].pad(&[(1, 1), (0, 1)], 7.0))
            .variant("int32-constant")
            .reference(move |a| pad_ref(&a[0], [(1, 1), (0, 1)], 7.0))
            .tol(Tol::EXACT),
    );

    let tx = arr(&[2, 3]);
    v.push(
        Case::new("tile", vec![tx], |t| t[0].tile(&[2, 3]))
            .reference(|a| Arr::from_fn(&[4, 9], F32, |o| a[0].at(&[o[0] % 2, o[1] % 3])))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    v.push(
        Case::new("reverse", vec![x.clone()], |t| t[0].reverse(&[0, -1]))
            .reference(|a| Arr::from_fn(&[2, 3, 4], F32, |o| a[0].at(&[1 - o[0], o[1], 3 - o[2]])))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    let gx = arr(&[3, 4, 2]);
    let gi = Arr::i32(&[2, 3], vec![3.0, 0.0, 3.0, 1.0, 2.0, 0.0]);
    v.push(
        Case::new("gather", vec![gx.clone(), gi], |t| t[0].gather(&t[1], 1))
            .variant("axis1-2d-indices-repeated")
            .reference(|a| {
                Arr::from_fn(&[3, 2, 3, 2], F32, |o| {
                    a[0].at(&[o[0], a[1].at(&[o[1], o[2]]) as usize, o[3]])
                })
            })
            .tol(Tol::EXACT)
            .grad(grad),
    );
    let gi0 = Arr::i32(&[4], vec![2.0, 2.0, 0.0, 1.0]);
    v.push(
        Case::new("gather", vec![gx.clone(), gi0], |t| t[0].gather(&t[1], 0))
            .variant("axis0")
            .reference(|a| Arr::from_fn(&[4, 4, 2], F32, |o| a[0].at(&[a[1].at(&[o[0]]) as usize, o[1], o[2]])))
            .tol(Tol::EXACT)
            .grad(grad),
    );
    let nd2 = Arr::i32(&[3, 2], vec![0.0, 3.0, 2.0, 1.0, 0.0, 3.0]);
    v.push(
        Case::new("gatherND", vec![gx.clone(), nd2], |t| t[0].gather_nd(&t[1]))
            .variant("depth2")
            .reference(|a| {
                Arr::from_fn(&[3, 2], F32, |o| {
                    a[0].at(&[a[1].at(&[o[0], 0]) as usize, a[1].at(&[o[0], 1]) as usize, o[1]])
                })
            })
            .tol(Tol::EXACT)
            .grad(grad),
    );
    let nd1 = Arr::i32(&[2, 2, 1], vec![2.0, 0.0, 2.0, 1.0]);
    v.push(
        Case::new("gatherND", vec![gx, nd1], |t| t[0].gather_nd(&t[1]))
            .variant("depth1-batch")
            .reference(|a| {
                Arr::from_fn(&[2, 2, 4, 2], F32, |o| {
                    a[0].at(&[a[1].at(&[o[0], o[1], 0]) as usize, o[2], o[3]])
                })
            })
            .tol(Tol::EXACT)
            .grad(grad),
    );
    let bt = arr(&[3, 1]);
    v.push(
        Case::new("broadcastTo", vec![bt], |t| t[0].broadcast_to(&[2, 3, 4]))
            .reference(|a| {
                let shape = broadcast_shape(&[&a[0].shape, &[2, 3, 4]]);
                Arr::from_fn(&shape, F32, |o| at_broadcast(&a[0], o))
            })
            .tol(Tol::EXACT)
            .grad(grad),
    );
    let bools = Arr::bool(&[2, 3], vec![true, false, false, true, true, false]);
    v.push(
        Case::new("transpose", vec![bools], |t| t[0].transpose(&[]))
            .variant("bool")
            .reference(|a| permute(&a[0], &[1, 0]))
            .tol(Tol::EXACT),
    );
    let ints = Arr::i32(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    v.push(
        Case::new("reverse", vec![ints.clone()], |t| t[0].reverse(&[1]))
            .variant("int32")
            .reference(|a| Arr::from_fn(&[2, 3], I32, |o| a[0].at(&[o[0], 2 - o[1]])))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::new("reshape", vec![ints], |t| t[0].reshape(&[3, 1, 2]))
            .variant("int32")
            .reference(|a| a[0].reshaped(&[3, 1, 2]))
            .tol(Tol::EXACT),
    );
    v
}
