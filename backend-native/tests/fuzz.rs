//! Randomized kernels (seeded, deterministic) checked against the scalar reference: random view
//! chains (permute, expand, pad, slice, flip, reshape) under random expressions, elementwise and
//! reduced over random axis sets. This is what exercises coalescing and every load fast path
//! (linear, periodic, tiled, masked) in combination.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use ferroflow_core::ir::{BinaryOp, Expr, ExprNode, ExprOp, KernelBody, ReduceOp, Source, UnaryOp, View};
use ferroflow_core::{DType, HostData, Scalar};

fn pick<T: Copy>(r: &mut Lcg, xs: &[T]) -> T {
    xs[r.next_u32() as usize % xs.len()]
}

fn below(r: &mut Lcg, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        r.next_u32() as usize % n
    }
}

/// A view of shape `target` over a contiguous source, built from random movement ops; returns
/// the view and the source length.
fn gen_view(r: &mut Lcg, target: &[usize], depth: usize) -> (View, usize) {
    let rank = target.len();
    if depth == 0 || rank == 0 {
        return (View::contiguous(target), target.iter().product());
    }
    match below(r, 7) {
        0 => {
            // permute: inner[perm[i]] = target[i]
            let mut perm: Vec<usize> = (0..rank).collect();
            for i in (1..rank).rev() {
                perm.swap(i, below(r, i + 1));
            }
            let mut inner = vec![0; rank];
            for i in 0..rank {
                inner[perm[i]] = target[i];
            }
            let (v, n) = gen_view(r, &inner, depth - 1);
            (v.permute(&perm), n)
        }
        1 => {
            let inner: Vec<usize> = target
                .iter()
                .map(|&t| if t > 1 && below(r, 2) == 0 { 1 } else { t })
                .collect();
            let (v, n) = gen_view(r, &inner, depth - 1);
            (v.expand(target), n)
        }
        2 => {
            let pads: Vec<(usize, usize)> = target
                .iter()
                .map(|&t| {
                    let lo = below(r, t.min(3) + 1);
                    let hi = below(r, (t - lo).min(3) + 1);
                    (lo, hi)
                })
                .collect();
            let inner: Vec<usize> = target.iter().zip(&pads).map(|(&t, &(lo, hi))| t - lo - hi).collect();
            let (v, n) = gen_view(r, &inner, depth - 1);
            (v.pad(&pads), n)
        }
        3 => {
            let step: Vec<usize> = target.iter().map(|_| 1 + below(r, 3)).collect();
            let start: Vec<usize> = target.iter().map(|_| below(r, 3)).collect();
            let inner: Vec<usize> = (0..rank)
                .map(|d| {
                    if target[d] == 0 {
                        start[d]
                    } else {
                        start[d] + (target[d] - 1) * step[d] + 1 + below(r, 2)
                    }
                })
                .collect();
            let (v, n) = gen_view(r, &inner, depth - 1);
            (v.slice(&start, target, &step), n)
        }
        4 => {
            let axes: Vec<usize> = (0..rank).filter(|_| below(r, 2) == 0).collect();
            let (v, n) = gen_view(r, target, depth - 1);
            (v.flip(&axes), n)
        }
        5 => {
            // reshape from a refactorization (split the first splittable dim, or merge two)
            let numel: usize = target.iter().product();
            let other: Vec<usize> = if rank >= 2 && below(r, 2) == 0 {
                let mut o = target.to_vec();
                let last = o.pop().unwrap();
                *o.last_mut().unwrap() *= last;
                o
            } else {
                let mut o = target.to_vec();
                o.insert(below(r, rank + 1), 1);
                o
            };
            debug_assert_eq!(other.iter().product::<usize>(), numel);
            let (v, n) = gen_view(r, &other, depth - 1);
            match v.reshape(target) {
                Some(v) => (v, n),
                None => (View::contiguous(target), numel),
            }
        }
        _ => {
            let (mut v, n) = gen_view(r, target, depth - 1);
            // shift into a larger buffer
            let extra = below(r, 5);
            v.offset += extra as isize;
            (v, n + extra)
        }
    }
}

fn gen_shape(r: &mut Lcg) -> Vec<usize> {
    let rank = below(r, 5);
    let big = below(r, 4) == 0;
    (0..rank)
        .map(|_| match below(r, 10) {
            0 => 1,
            1 if !big => 0,
            2 if big => 70 + below(r, 80),
            _ => 1 + below(r, 7),
        })
        .collect()
}

struct Case {
    expr: Expr,
    inputs: Vec<HostData>,
}

fn gen_case(r: &mut Lcg, shape: &[usize]) -> Case {
    let mut nodes: Vec<ExprNode> = vec![];
    let mut inputs = vec![];
    let n_loads = 1 + below(r, 3);
    for _ in 0..n_loads {
        let depth = 1 + below(r, 3);
        let (view, len) = gen_view(r, shape, depth);
        let dtype = pick(r, &[DType::F32, DType::F32, DType::I32, DType::Bool]);
        let data = match dtype {
            DType::F32 => HostData::F32(
                (0..len)
                    .map(|_| (r.f32() * 8.0).round() / 4.0 + r.f32() * 0.01)
                    .collect(),
            ),
            DType::I32 => HostData::I32(r.vec_i32(len, -9, 10)),
            DType::Bool => HostData::Bool((0..len).map(|_| below(r, 2) == 0).collect()),
        };
        let slot = inputs.len();
        inputs.push(data);
        nodes.push(load(slot, view, dtype));
    }
    if below(r, 3) == 0 {
        let depth = 1 + below(r, 2);
        let (view, _) = gen_view(r, shape, depth);
        nodes.push(node(
            ExprOp::Load {
                src: Source::Arange,
                view,
            },
            DType::I32,
        ));
    }
    if below(r, 4) == 0 {
        let depth = 1 + below(r, 2);
        let (view, _) = gen_view(r, shape, depth);
        let seed_input = inputs.len();
        inputs.push(seed_words(r.next_u32() as u64));
        nodes.push(node(
            ExprOp::Load {
                src: Source::Rand { seed_input },
                view,
            },
            DType::F32,
        ));
    }
    let of =
        |nodes: &[ExprNode], d: DType| -> Vec<usize> { (0..nodes.len()).filter(|&i| nodes[i].dtype == d).collect() };
    for _ in 0..(1 + below(r, 6)) {
        let target = pick(r, &[DType::F32, DType::I32, DType::Bool]);
        let cands = of(&nodes, target);
        if cands.is_empty() {
            let src = below(r, nodes.len());
            nodes.push(node(ExprOp::Cast(src), target));
            continue;
        }
        let a = pick(r, &cands);
        let b = pick(r, &cands);
        let op = match (target, below(r, 6)) {
            (DType::F32, 0) => ExprOp::Unary(
                pick(
                    r,
                    &[
                        UnaryOp::Neg,
                        UnaryOp::Floor,
                        UnaryOp::Round,
                        UnaryOp::Sigmoid,
                        UnaryOp::Tanh,
                        UnaryOp::Sqrt,
                        UnaryOp::Ceil,
                    ],
                ),
                a,
            ),
            (DType::F32, 1) => ExprOp::Const(Scalar::F32(r.f32())),
            (DType::F32, _) => ExprOp::Binary(
                pick(
                    r,
                    &[
                        BinaryOp::Add,
                        BinaryOp::Sub,
                        BinaryOp::Mul,
                        BinaryOp::Max,
                        BinaryOp::Min,
                        BinaryOp::Div,
                    ],
                ),
                a,
                b,
            ),
            (DType::I32, 0) => ExprOp::Unary(UnaryOp::Neg, a),
            (DType::I32, 1) => ExprOp::Const(Scalar::I32(r.vec_i32(1, -5, 6)[0])),
            (DType::I32, _) => ExprOp::Binary(
                pick(
                    r,
                    &[
                        BinaryOp::Add,
                        BinaryOp::Sub,
                        BinaryOp::Mul,
                        BinaryOp::Div,
                        BinaryOp::Mod,
                        BinaryOp::Max,
                        BinaryOp::Min,
                        BinaryOp::Pow,
                    ],
                ),
                a,
                b,
            ),
            (DType::Bool, 0) => ExprOp::Unary(UnaryOp::Not, a),
            (_, _) => {
                let conds = of(&nodes, DType::Bool);
                if !conds.is_empty() && below(r, 2) == 0 {
                    let c = pick(r, &conds);
                    let d = pick(r, &[DType::F32, DType::I32, DType::Bool]);
                    let cs = of(&nodes, d);
                    if cs.is_empty() {
                        ExprOp::Binary(BinaryOp::And, a, b)
                    } else {
                        let w = ExprOp::Where(c, pick(r, &cs), pick(r, &cs));
                        nodes.push(node(w, d));
                        continue;
                    }
                } else {
                    let d = pick(r, &[DType::F32, DType::I32]);
                    let cs = of(&nodes, d);
                    if cs.is_empty() {
                        ExprOp::Binary(pick(r, &[BinaryOp::And, BinaryOp::Or, BinaryOp::Eq]), a, b)
                    } else {
                        ExprOp::Binary(
                            pick(r, &[BinaryOp::Lt, BinaryOp::Le, BinaryOp::Eq]),
                            pick(r, &cs),
                            pick(r, &cs),
                        )
                    }
                }
            }
        };
        nodes.push(node(op, target));
    }
    Case {
        expr: Expr {
            shape: shape.to_vec(),
            nodes,
        },
        inputs,
    }
}

#[test]
fn random_elementwise_kernels() {
    let d = dev();
    let mut r = Lcg(2024);
    for case_no in 0..600 {
        let shape = gen_shape(&mut r);
        let Case { expr, inputs } = gen_case(&mut r, &shape);
        let k = elementwise(&shape, expr.nodes.clone(), inputs.len());
        let got = run(&d, &k, &inputs);
        let want = ref_eval(&expr, &inputs);
        assert_close(&got, &want, 1e-5, &format!("case {case_no}: {expr:?}"));
    }
}

#[test]
fn random_reductions() {
    let d = dev();
    let mut r = Lcg(77);
    for case_no in 0..600 {
        let shape = gen_shape(&mut r);
        let Case { mut expr, inputs } = gen_case(&mut r, &shape);
        let dtype = expr.dtype();
        let ops: &[ReduceOp] = match dtype {
            DType::Bool => &[ReduceOp::Max, ReduceOp::Min],
            DType::I32 => &[ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min],
            DType::F32 => &[ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min],
        };
        let op = pick(&mut r, ops);
        let axes: Vec<usize> = (0..shape.len()).filter(|_| below(&mut r, 2) == 0).collect();
        let k = reduce_kernel(op, &axes, &shape, std::mem::take(&mut expr.nodes), inputs.len());
        let KernelBody::Reduce { expr, .. } = &k.body else {
            unreachable!()
        };
        let got = run(&d, &k, &inputs);
        let want = ref_reduce(op, &axes, expr, &inputs);
        assert_close(
            &got,
            &want,
            1e-5,
            &format!("case {case_no}: {op:?} over {axes:?} of {expr:?}"),
        );
    }
}
