//! Scalar reference machinery: a plain host array ([`Arr`], values held as `f64` whatever the
//! dtype) and straightforward loops for indexing, broadcasting, elementwise maps and reductions.
//! Nothing here calls Ferroflow ops; references are meant to be read and trusted on sight.

use ferroflow::{DType, HostData};

/// A host array: row-major `data` of `shape`, with the dtype it stands for. Int and bool values
/// are exact in `f64`; float inputs are rounded to `f32` on construction, so references see the
/// same inputs the backend does.
#[derive(Debug, Clone, PartialEq)]
pub struct Arr {
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub data: Vec<f64>,
}

fn round_f32(v: f64) -> f64 {
    v as f32 as f64
}

impl Arr {
    /// A float32 array (values rounded to f32).
    pub fn f32(shape: &[usize], data: Vec<f64>) -> Arr {
        Arr {
            shape: shape.to_vec(),
            dtype: DType::F32,
            data: data.into_iter().map(round_f32).collect(),
        }
    }
    /// An int32 array.
    pub fn i32(shape: &[usize], data: Vec<f64>) -> Arr {
        Arr {
            shape: shape.to_vec(),
            dtype: DType::I32,
            data: data.into_iter().map(|v| v as i32 as f64).collect(),
        }
    }
    /// A bool array.
    pub fn bool(shape: &[usize], data: Vec<bool>) -> Arr {
        Arr {
            shape: shape.to_vec(),
            dtype: DType::Bool,
            data: data.into_iter().map(|b| b as u8 as f64).collect(),
        }
    }
    /// An array of `shape` with every element computed from its multi-index.
    pub fn from_fn(shape: &[usize], dtype: DType, f: impl Fn(&[usize]) -> f64) -> Arr {
        let n = numel(shape);
        let data = (0..n).map(|i| f(&unravel(i, shape))).collect();
        Arr {
            shape: shape.to_vec(),
            dtype,
            data,
        }
        .normalized()
    }
    /// Rounds values to what `dtype` can hold (f32 rounding, int truncation, bool 0/1).
    pub fn normalized(mut self) -> Arr {
        let d = self.dtype;
        for v in &mut self.data {
            *v = match d {
                DType::F32 => round_f32(*v),
                DType::I32 => *v as i32 as f64,
                DType::Bool => (*v != 0.0) as u8 as f64,
            };
        }
        self
    }
    /// Converts host data of `shape` (as read back from a backend).
    pub fn from_host(data: &HostData, shape: &[usize]) -> Arr {
        let v = match data {
            HostData::F32(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::I32(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::Bool(v) => v.iter().map(|&x| x as u8 as f64).collect(),
        };
        Arr {
            shape: shape.to_vec(),
            dtype: data.dtype(),
            data: v,
        }
    }
    /// The host data to upload.
    pub fn to_host(&self) -> HostData {
        match self.dtype {
            DType::F32 => HostData::F32(self.data.iter().map(|&v| v as f32).collect()),
            DType::I32 => HostData::I32(self.data.iter().map(|&v| v as i32).collect()),
            DType::Bool => HostData::Bool(self.data.iter().map(|&v| v != 0.0).collect()),
        }
    }
    pub fn numel(&self) -> usize {
        self.data.len()
    }
    pub fn rank(&self) -> usize {
        self.shape.len()
    }
    /// Element at a multi-index.
    pub fn at(&self, idx: &[usize]) -> f64 {
        self.data[ravel(idx, &self.shape)]
    }
    /// The same data under a new shape.
    pub fn reshaped(&self, shape: &[usize]) -> Arr {
        Arr {
            shape: shape.to_vec(),
            dtype: self.dtype,
            data: self.data.clone(),
        }
    }
}

pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Multi-index of flat position `i` in a row-major `shape`.
pub fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        let n = shape[d].max(1);
        idx[d] = i % n;
        i /= n;
    }
    idx
}

/// Flat position of a multi-index in a row-major `shape`.
pub fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (&i, &n)| acc * n + i)
}

/// NumPy broadcasting of several shapes (callers pass compatible shapes).
pub fn broadcast_shape(shapes: &[&[usize]]) -> Vec<usize> {
    let r = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    (0..r)
        .map(|i| {
            shapes
                .iter()
                .map(|s| if i + s.len() >= r { s[i + s.len() - r] } else { 1 })
                .fold(1, |acc, d| if d == 1 { acc } else { d })
        })
        .collect()
}

/// Reads `a` at an index of the broadcast output shape (size-1 and missing dims repeat).
pub fn at_broadcast(a: &Arr, out_idx: &[usize]) -> f64 {
    let off = out_idx.len() - a.rank();
    let idx: Vec<usize> = (0..a.rank())
        .map(|d| if a.shape[d] == 1 { 0 } else { out_idx[off + d] })
        .collect();
    a.at(&idx)
}

/// Elementwise unary map producing `dtype`.
pub fn map(a: &Arr, dtype: DType, f: impl Fn(f64) -> f64) -> Arr {
    Arr {
        shape: a.shape.clone(),
        dtype,
        data: a.data.iter().map(|&v| f(v)).collect(),
    }
    .normalized()
}

/// Elementwise binary map with broadcasting.
pub fn zip(a: &Arr, b: &Arr, dtype: DType, f: impl Fn(f64, f64) -> f64) -> Arr {
    let shape = broadcast_shape(&[&a.shape, &b.shape]);
    Arr::from_fn(&shape, dtype, |i| f(at_broadcast(a, i), at_broadcast(b, i)))
}

/// Elementwise ternary map with broadcasting.
pub fn zip3(a: &Arr, b: &Arr, c: &Arr, dtype: DType, f: impl Fn(f64, f64, f64) -> f64) -> Arr {
    let shape = broadcast_shape(&[&a.shape, &b.shape, &c.shape]);
    Arr::from_fn(&shape, dtype, |i| {
        f(at_broadcast(a, i), at_broadcast(b, i), at_broadcast(c, i))
    })
}

/// Resolves possibly-negative axes (empty = all) to a sorted list.
pub fn axes_of(axes: &[isize], rank: usize) -> Vec<usize> {
    if axes.is_empty() {
        return (0..rank).collect();
    }
    let mut v: Vec<usize> = axes
        .iter()
        .map(|&a| {
            if a < 0 {
                (a + rank as isize) as usize
            } else {
                a as usize
            }
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Reduction over `axes`: gathers each output position's values (in index order) and folds them
/// with `f` (which sees the whole list, so mean/argmax/logsumexp are one-liners).
pub fn reduce(a: &Arr, axes: &[isize], keep_dims: bool, dtype: DType, f: impl Fn(&[f64]) -> f64) -> Arr {
    let ax = axes_of(axes, a.rank());
    let kept: Vec<usize> = (0..a.rank())
        .map(|d| if ax.contains(&d) { 1 } else { a.shape[d] })
        .collect();
    let mut groups: Vec<Vec<f64>> = vec![vec![]; numel(&kept)];
    for i in 0..a.numel() {
        let mut idx = unravel(i, &a.shape);
        for &d in &ax {
            idx[d] = 0;
        }
        groups[ravel(&idx, &kept)].push(a.data[i]);
    }
    let data: Vec<f64> = groups.iter().map(|g| f(g)).collect();
    let shape = if keep_dims {
        kept
    } else {
        (0..a.rank()).filter(|d| !ax.contains(d)).map(|d| a.shape[d]).collect()
    };
    Arr { shape, dtype, data }.normalized()
}

/// Output dim i is input dim `perm[i]`.
pub fn permute(a: &Arr, perm: &[usize]) -> Arr {
    let shape: Vec<usize> = perm.iter().map(|&p| a.shape[p]).collect();
    Arr::from_fn(&shape, a.dtype, |o| {
        let mut idx = vec![0; a.rank()];
        for (i, &p) in perm.iter().enumerate() {
            idx[p] = o[i];
        }
        a.at(&idx)
    })
}

/// Applies `f` to each 1-D lane along `axis` (e.g. softmax), keeping the shape.
pub fn along_axis(a: &Arr, axis: usize, f: impl Fn(&[f64]) -> Vec<f64>) -> Arr {
    let mut out = a.clone();
    let n = a.shape[axis];
    let outer: usize = a.shape[..axis].iter().product();
    let inner: usize = a.shape[axis + 1..].iter().product();
    for o in 0..outer {
        for i in 0..inner {
            let pos = |k: usize| (o * n + k) * inner + i;
            let lane: Vec<f64> = (0..n).map(|k| a.data[pos(k)]).collect();
            for (k, v) in f(&lane).into_iter().enumerate() {
                out.data[pos(k)] = v;
            }
        }
    }
    out.normalized()
}

/// A scalar float result.
pub fn scalar(v: f64) -> Arr {
    Arr::f32(&[], vec![v])
}

/// The error function by its Maclaurin series (plenty accurate in f64 for |x| <= 3) and the
/// asymptotic tail beyond.
pub fn erf(x: f64) -> f64 {
    if x.abs() > 3.0 {
        // erfc(x) ~ exp(-x^2)/(x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4)); |error| < 1e-6 here.
        let t = x.abs();
        let tail =
            (-t * t).exp() / (t * std::f64::consts::PI.sqrt()) * (1.0 - 1.0 / (2.0 * t * t) + 3.0 / (4.0 * t.powi(4)));
        return (1.0 - tail).copysign(x);
    }
    let mut term = x;
    let mut sum = x;
    for n in 1..200 {
        term *= -x * x / n as f64;
        let add = term / (2 * n + 1) as f64;
        sum += add;
        if add.abs() < 1e-17 {
            break;
        }
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}

/// Round half to even.
pub fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        for (x, e) in [
            (0.0, 0.0),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (-2.0, -0.995_322_265_018_952_7),
            (3.5, 0.999_999_256_901_627_7),
        ] {
            assert!((erf(x) - e).abs() < 1e-6, "erf({x}) = {} vs {e}", erf(x));
        }
    }

    #[test]
    fn half_even() {
        let got: Vec<f64> = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6]
            .iter()
            .map(|&x| round_half_even(x))
            .collect();
        assert_eq!(got, vec![0.0, 2.0, 2.0, 0.0, -2.0, -2.0, 2.0, -3.0]);
    }

    #[test]
    fn reduce_keeps_or_drops_axes() {
        let a = Arr::f32(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let s = reduce(&a, &[-1], false, DType::F32, |g| g.iter().sum());
        assert_eq!((s.shape, s.data), (vec![2], vec![6.0, 15.0]));
        let s = reduce(&a, &[0], true, DType::F32, |g| g.iter().sum());
        assert_eq!((s.shape, s.data), (vec![1, 3], vec![5.0, 7.0, 9.0]));
    }

    #[test]
    fn broadcasting() {
        assert_eq!(broadcast_shape(&[&[2, 1, 3], &[4, 1]]), vec![2, 4, 3]);
        let a = Arr::f32(&[2, 1], vec![1.0, 2.0]);
        let b = Arr::f32(&[3], vec![10.0, 20.0, 30.0]);
        assert_eq!(
            zip(&a, &b, DType::F32, |x, y| x + y).data,
            vec![11.0, 21.0, 31.0, 12.0, 22.0, 32.0]
        );
    }
}
