//! Matrix products: batched matMul with broadcast batch dims and transposes, dot, outerProduct.

use ferroflow::DType::F32;

use crate::conformance::nnref::matmul;
use crate::conformance::reference::{zip, Arr};
use crate::conformance::{Case, Rng, Tol};

pub fn cases() -> Vec<Case> {
    let mut r = Rng::new(0x11a);
    let mut v = vec![];
    let mut m = |s: &[usize]| Arr::f32(s, r.uniform(s.iter().product(), -1.5, 1.5));
    let tol = Tol::new(1e-5, 1e-5);
    for (name, a, b, ta, tb) in [
        ("2d", m(&[3, 4]), m(&[4, 5]), false, false),
        ("batched-broadcast", m(&[2, 1, 3, 4]), m(&[3, 4, 2]), false, false),
        ("transposeA", m(&[2, 4, 3]), m(&[2, 4, 5]), true, false),
        ("transposeB", m(&[3, 4]), m(&[2, 5, 4]), false, true),
        ("transposeAB", m(&[1, 4, 3]), m(&[3, 2, 4]), true, true),
        ("k1", m(&[5, 1]), m(&[1, 3]), false, false),
    ] {
        v.push(
            Case::new("matMul", vec![a, b], move |t| t[0].matmul(&t[1], ta, tb))
                .variant(name)
                .reference(move |x| matmul(&x[0], &x[1], ta, tb))
                .tol(tol)
                .grad(Tol::GRAD),
        );
    }
    // Epilogue fusion: the scheduler folds an elementwise consumer into the matmul (bias + relu,
    // a cast to bool); a transposed or reduced result falls back to a separate kernel.
    let (a, b, bias) = (m(&[5, 6]), m(&[6, 7]), m(&[7]));
    v.push(
        Case::new("matMul", vec![a.clone(), b.clone(), bias.clone()], |t| {
            t[0].matmul(&t[1], false, false)?.add(&t[2])?.relu()
        })
        .variant("fused-epilogue-bias-relu")
        .reference(|x| {
            let p = matmul(&x[0], &x[1], false, false);
            let bias = x[2].reshaped(&[1, 7]);
            crate::conformance::reference::zip(&p, &bias, F32, |u, w| (u + w).max(0.0))
        })
        .tol(tol)
        .grad(Tol::GRAD),
    );
    v.push(
        Case::new("matMul", vec![a.clone(), b.clone()], |t| {
            t[0].matmul(&t[1], false, false)?.greater(0.25f32)
        })
        .variant("fused-epilogue-compare")
        .reference(|x| {
            let p = matmul(&x[0], &x[1], false, false);
            crate::conformance::reference::map(&p, ferroflow::DType::Bool, |u| f64::from(u8::from(u > 0.25)))
        })
        .tol(Tol::EXACT),
    );
    v.push(
        Case::new("matMul", vec![a.clone(), b.clone()], |t| {
            t[0].matmul(&t[1], false, false)?.transpose(&[1, 0])?.exp()
        })
        .variant("epilogue-transposed-not-fused")
        .reference(|x| {
            let p = matmul(&x[0], &x[1], false, false);
            crate::conformance::reference::map(&crate::conformance::reference::permute(&p, &[1, 0]), F32, f64::exp)
        })
        .tol(Tol::new(1e-5, 1e-5))
        .grad(Tol::GRAD),
    );
    v.push(
        Case::new("matMul", vec![a, b], |t| {
            t[0].matmul(&t[1], false, false)?.sum(&[1], false)
        })
        .variant("reduced-not-fused")
        .reference(|x| {
            let p = matmul(&x[0], &x[1], false, false);
            crate::conformance::reference::reduce(&p, &[1], false, F32, |g| g.iter().sum())
        })
        .tol(Tol::new(1e-5, 1e-5))
        .grad(Tol::GRAD),
    );
    let dot_cases = [
        ("vv", m(&[5]), m(&[5])),
        ("mv", m(&[3, 4]), m(&[4])),
        ("vm", m(&[3]), m(&[3, 4])),
        ("mm", m(&[2, 3]), m(&[3, 4])),
    ];
    for (name, a, b) in dot_cases {
        v.push(
            Case::new("dot", vec![a, b], |t| t[0].dot(&t[1]))
                .variant(name)
                .reference(|x| {
                    // Promote vectors to matrices, multiply, drop the promoted dims.
                    let (a, b) = (&x[0], &x[1]);
                    let a2 = if a.rank() == 1 {
                        a.reshaped(&[1, a.shape[0]])
                    } else {
                        a.clone()
                    };
                    let b2 = if b.rank() == 1 {
                        b.reshaped(&[b.shape[0], 1])
                    } else {
                        b.clone()
                    };
                    let p = matmul(&a2, &b2, false, false);
                    let mut shape = vec![];
                    if a.rank() == 2 {
                        shape.push(a.shape[0]);
                    }
                    if b.rank() == 2 {
                        shape.push(b.shape[1]);
                    }
                    p.reshaped(&shape)
                })
                .tol(tol)
                .grad(Tol::GRAD),
        );
    }
    let (u, w) = (m(&[4]), m(&[3]));
    v.push(
        Case::new("outerProduct", vec![u, w], |t| t[0].outer_product(&t[1]))
            .reference(|x| zip(&x[0].reshaped(&[x[0].shape[0], 1]), &x[1], F32, |a, b| a * b))
            .tol(Tol::F32)
            .grad(Tol::GRAD),
    );
    v.push(
        Case::new(
            "matMul",
            vec![Arr::f32(&[2, 0], vec![]), Arr::f32(&[0, 3], vec![])],
            |t| t[0].matmul(&t[1], false, false),
        )
        .variant("k0-gives-zeros")
        .reference(|_| Arr::f32(&[2, 3], vec![0.0; 6]))
        .tol(Tol::EXACT),
    );
    v
}
