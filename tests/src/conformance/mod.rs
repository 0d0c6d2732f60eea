//! The conformance harness: op cases, how they are checked, and the per-backend runner.
//!
//! A [`Case`] names a TF.js op, builds it from input tensors on a [`Device`], and says how its
//! result is judged: against an independent scalar reference ([`Check::Reference`]) or, for
//! random ops, by statistical properties ([`Check::Property`]). Differentiable cases also carry a
//! gradient tolerance: the analytic gradient from `autograd::grad` of `sum(op(x) * w)` (fixed
//! random `w`) is compared with central finite differences of the same backend's forward pass.
//!
//! Results are read back with [`Tensor::to_host_async`] (WebGPU in a browser cannot block), so
//! the runner is async: [`run_case_async`] / [`run_all_async`] are the implementation, and the
//! sync [`run_case`] / [`run_all`] drive them with `pollster::block_on` (native only in practice:
//! blocking in a browser works only while every download is ready at once, as on the CPU backend).

pub mod backends;
pub mod gradcheck;
pub mod nnref;
pub mod reference;
pub mod rng;

use std::future::Future;

use ferroflow::{Device, Result as FfResult, Tensor};

pub use reference::Arr;
pub use rng::Rng;

/// Builds the op's outputs from the uploaded inputs.
pub type Forward = Box<dyn Fn(&Device, &[Tensor]) -> FfResult<Vec<Tensor>> + Send + Sync>;
/// Computes the expected outputs from the inputs, in plain `f64` loops.
pub type Reference = Box<dyn Fn(&[Arr]) -> Vec<Arr> + Send + Sync>;
/// Checks properties of an op that has no exact reference (random tensors): `build` makes the
/// tensors on the device, the runner reads them back, and `judge` checks the host values (so the
/// readback can be async and the judging stays plain code).
pub struct Property {
    pub build: Box<dyn Fn(&Device) -> FfResult<Vec<Tensor>> + Send + Sync>,
    pub judge: Box<dyn Fn(&[Arr]) -> Result<(), String> + Send + Sync>,
}

/// `|got - want| <= atol + rtol * |want|` (for gradients, `rtol` scales the larger magnitude).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tol {
    pub rtol: f64,
    pub atol: f64,
}

impl Tol {
    pub const fn new(rtol: f64, atol: f64) -> Tol {
        Tol { rtol, atol }
    }
    /// Bit-exact (movement, integer and bool results).
    pub const EXACT: Tol = Tol::new(0.0, 0.0);
    /// Correctly rounded f32 arithmetic plus a little.
    pub const F32: Tol = Tol::new(1e-6, 1e-6);
    /// Transcendentals and short compositions of them.
    pub const MATH: Tol = Tol::new(1e-5, 1e-6);
    /// Longer compositions, sums over dozens of terms.
    pub const LOOSE: Tol = Tol::new(1e-4, 1e-5);
    /// Default finite-difference gradient tolerance (eps 1e-2..1e-3 in f32).
    pub const GRAD: Tol = Tol::new(1e-2, 1e-2);
}

/// How a case's forward result is judged.
pub enum Check {
    Reference(Reference),
    Property(Property),
}

/// Gradient-check settings.
#[derive(Debug, Clone)]
pub struct GradSpec {
    pub tol: Tol,
    /// Finite-difference step.
    pub eps: f64,
    /// Which inputs to differentiate (default: every float32 input).
    pub wrt: Option<Vec<usize>>,
}

/// One op case.
pub struct Case {
    /// The TF.js op name (`"add"`, `"conv2d"`, `"softmaxCrossEntropy"`).
    pub op: &'static str,
    /// What this case exercises (`"broadcast"`, `"int32"`, `"stride2-same"`); may be empty.
    pub variant: String,
    pub inputs: Vec<Arr>,
    pub forward: Forward,
    pub check: Option<Check>,
    pub tol: Tol,
    /// `None`: not differentiable (reported as n/a).
    pub grad: Option<GradSpec>,
}

impl Case {
    /// A single-output op of its inputs.
    pub fn new(
        op: &'static str,
        inputs: Vec<Arr>,
        f: impl Fn(&[Tensor]) -> FfResult<Tensor> + Send + Sync + 'static,
    ) -> Case {
        Case::multi(op, inputs, move |x| Ok(vec![f(x)?]))
    }
    /// A multi-output op (split, unstack, moments).
    pub fn multi(
        op: &'static str,
        inputs: Vec<Arr>,
        f: impl Fn(&[Tensor]) -> FfResult<Vec<Tensor>> + Send + Sync + 'static,
    ) -> Case {
        Case::with_forward(op, inputs, Box::new(move |_, x| f(x)))
    }
    /// A single-output op that needs the device (creation ops).
    pub fn on_device(op: &'static str, f: impl Fn(&Device) -> FfResult<Tensor> + Send + Sync + 'static) -> Case {
        Case::with_forward(op, vec![], Box::new(move |d, _| Ok(vec![f(d)?])))
    }
    /// A case judged by properties only (random ops); never differentiable. `build` makes the
    /// tensors, `judge` gets their values (in order) and says what is wrong with them.
    pub fn property(
        op: &'static str,
        build: impl Fn(&Device) -> FfResult<Vec<Tensor>> + Send + Sync + 'static,
        judge: impl Fn(&[Arr]) -> Result<(), String> + Send + Sync + 'static,
    ) -> Case {
        let mut c = Case::with_forward(op, vec![], Box::new(|_, _| Ok(vec![])));
        c.check = Some(Check::Property(Property {
            build: Box::new(build),
            judge: Box::new(judge),
        }));
        c
    }
    fn with_forward(op: &'static str, inputs: Vec<Arr>, forward: Forward) -> Case {
        Case {
            op,
            variant: String::new(),
            inputs,
            forward,
            check: None,
            tol: Tol::F32,
            grad: None,
        }
    }

    pub fn variant(mut self, v: impl Into<String>) -> Case {
        self.variant = v.into();
        self
    }
    /// The expected single output.
    pub fn reference(self, r: impl Fn(&[Arr]) -> Arr + Send + Sync + 'static) -> Case {
        self.reference_multi(move |x| vec![r(x)])
    }
    /// The expected outputs.
    pub fn reference_multi(mut self, r: impl Fn(&[Arr]) -> Vec<Arr> + Send + Sync + 'static) -> Case {
        self.check = Some(Check::Reference(Box::new(r)));
        self
    }
    /// Forward tolerance.
    pub fn tol(mut self, t: Tol) -> Case {
        self.tol = t;
        self
    }
    /// Marks the case differentiable with a gradient tolerance (finite-difference step 1e-2).
    pub fn grad(mut self, t: Tol) -> Case {
        self.grad = Some(GradSpec {
            tol: t,
            eps: 1e-2,
            wrt: None,
        });
        self
    }
    /// Finite-difference step (after [`Case::grad`]).
    pub fn eps(mut self, eps: f64) -> Case {
        if let Some(g) = &mut self.grad {
            g.eps = eps;
        }
        self
    }
    /// Differentiate only these inputs (after [`Case::grad`]).
    pub fn wrt(mut self, inputs: &[usize]) -> Case {
        if let Some(g) = &mut self.grad {
            g.wrt = Some(inputs.to_vec());
        }
        self
    }
    /// `op` or `op[variant]`.
    pub fn label(&self) -> String {
        if self.variant.is_empty() {
            self.op.to_string()
        } else {
            format!("{}[{}]", self.op, self.variant)
        }
    }
}

/// Result of one check.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Pass,
    Fail(String),
    Skip(String),
    /// The check does not apply (non-differentiable op).
    NotApplicable,
}

impl Status {
    /// `pass`, `fail`, `skip` or `n/a`.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail(_) => "fail",
            Status::Skip(_) => "skip",
            Status::NotApplicable => "n/a",
        }
    }
    pub fn is_fail(&self) -> bool {
        matches!(self, Status::Fail(_))
    }
    fn detail(&self) -> Option<&str> {
        match self {
            Status::Fail(m) | Status::Skip(m) => Some(m),
            _ => None,
        }
    }
}

/// One case on one backend.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub op: &'static str,
    pub label: String,
    pub backend: String,
    pub forward: Status,
    pub grad: Status,
}

impl Outcome {
    pub fn failed(&self) -> bool {
        self.forward.is_fail() || self.grad.is_fail()
    }
    /// A one-line description of what failed (or was skipped), for logs.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} on {}: forward {}, grad {}",
            self.label,
            self.backend,
            self.forward.word(),
            self.grad.word()
        );
        if let Some(d) = self.forward.detail() {
            s.push_str(&format!("\n    forward: {d}"));
        }
        if let Some(d) = self.grad.detail() {
            s.push_str(&format!("\n    grad: {d}"));
        }
        s
    }
}

/// Uploads the case inputs to `dev`.
pub fn upload(dev: &Device, inputs: &[Arr]) -> FfResult<Vec<Tensor>> {
    inputs
        .iter()
        .map(|a| Tensor::from_host_on(a.to_host(), &a.shape, dev))
        .collect()
}

/// Reads tensors back (one after the other, each realized on its own), waiting without blocking.
pub async fn read_back(tensors: &[Tensor]) -> FfResult<Vec<Arr>> {
    let mut out = Vec::with_capacity(tensors.len());
    for t in tensors {
        out.push(Arr::from_host(&t.to_host_async().await?, t.shape()));
    }
    Ok(out)
}

/// Runs the forward pass and reads every output back.
pub async fn eval_async(case: &Case, dev: &Device, inputs: &[Arr]) -> FfResult<Vec<Arr>> {
    let xs = upload(dev, inputs)?;
    let outs = (case.forward)(dev, &xs)?;
    read_back(&outs).await
}

/// [`eval_async`], blocking.
pub fn eval(case: &Case, dev: &Device, inputs: &[Arr]) -> FfResult<Vec<Arr>> {
    pollster::block_on(eval_async(case, dev, inputs))
}

/// Compares outputs with the expected ones: same count, shapes and dtypes, values within `tol`
/// (NaN matches NaN, infinities must match exactly).
pub fn compare(got: &[Arr], want: &[Arr], tol: Tol) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!("{} outputs, expected {}", got.len(), want.len()));
    }
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        if g.shape != w.shape || g.dtype != w.dtype {
            return Err(format!(
                "output {k}: got {} {:?}, expected {} {:?}",
                g.dtype, g.shape, w.dtype, w.shape
            ));
        }
        let mut worst: Option<(usize, f64)> = None;
        for (i, (&a, &e)) in g.data.iter().zip(&w.data).enumerate() {
            let ok = same(a, e, tol);
            if !ok {
                let err = if (a - e).is_nan() { f64::INFINITY } else { (a - e).abs() };
                if worst.is_none_or(|(_, w)| err > w) {
                    worst = Some((i, err));
                }
            }
        }
        if let Some((i, err)) = worst {
            let bad = g.data.iter().zip(&w.data).filter(|(a, e)| !same(**a, **e, tol)).count();
            return Err(format!(
                "output {k}: {bad}/{} values off, max error {err:.3e} at {:?}: got {}, expected {} (rtol {:e}, atol {:e})",
                g.numel(),
                reference::unravel(i, &g.shape),
                g.data[i],
                w.data[i],
                tol.rtol,
                tol.atol
            ));
        }
    }
    Ok(())
}

fn same(a: f64, e: f64, tol: Tol) -> bool {
    if e.is_nan() || a.is_nan() {
        e.is_nan() && a.is_nan()
    } else if e.is_infinite() || a.is_infinite() {
        a == e
    } else {
        (a - e).abs() <= tol.atol + tol.rtol * e.abs()
    }
}

async fn forward_status(case: &Case, dev: &Device) -> Status {
    match &case.check {
        None => Status::Fail("case has no reference or property check".into()),
        Some(Check::Property(p)) => {
            let values = match (p.build)(dev) {
                Ok(ts) => read_back(&ts).await,
                Err(e) => Err(e),
            };
            match values.map_err(|e| e.to_string()).and_then(|v| (p.judge)(&v)) {
                Ok(()) => Status::Pass,
                Err(e) => Status::Fail(e),
            }
        }
        Some(Check::Reference(r)) => match eval_async(case, dev, &case.inputs).await {
            Err(e) => Status::Fail(format!("op returned an error: {e}")),
            Ok(got) => match compare(&got, &r(&case.inputs), case.tol) {
                Ok(()) => Status::Pass,
                Err(e) => Status::Fail(e),
            },
        },
    }
}

/// Runs `f`, turning a panic into a failure that says where it happened.
pub fn guarded(what: &str, f: impl FnOnce() -> Status) -> Status {
    pollster::block_on(guarded_async(what, async move { f() }))
}

/// Awaits `f`, turning a panic into a failure that says where it happened. Where panics abort
/// (wasm32), there is nothing to catch: the panic ends the run with its own message.
pub async fn guarded_async(what: &str, f: impl Future<Output = Status>) -> Status {
    #[cfg(panic = "unwind")]
    {
        match (unwind::CatchUnwind { inner: Box::pin(f) }).await {
            Ok(s) => s,
            Err(msg) => Status::Fail(format!("{what} PANICKED: {msg}")),
        }
    }
    #[cfg(not(panic = "unwind"))]
    {
        let _ = what;
        f.await
    }
}

/// Catching panics inside checks (only where panics unwind).
#[cfg(panic = "unwind")]
mod unwind {
    use std::cell::{Cell, RefCell};
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Once;
    use std::task::{Context, Poll};

    thread_local! {
        /// Set while a guarded check runs: its panics are reported in the outcome, not printed.
        static QUIET: Cell<bool> = const { Cell::new(false) };
        static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    /// Installs (once) a panic hook that, inside guarded sections of the current thread, records the
    /// panic's message and location instead of printing it; elsewhere it defers to the previous hook.
    fn install_quiet_hook() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if QUIET.with(|q| q.get()) {
                    let at = info
                        .location()
                        .map(|l| format!(" at {}:{}", l.file(), l.line()))
                        .unwrap_or_default();
                    let msg = info
                        .payload()
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| info.payload().downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
                } else {
                    previous(info);
                }
            }));
        });
    }

    /// Polls `inner` inside `catch_unwind` with the quiet hook on; a panic becomes `Err(message)`.
    pub(super) struct CatchUnwind<F> {
        pub(super) inner: Pin<Box<F>>,
    }

    impl<F: Future> Future for CatchUnwind<F> {
        type Output = Result<F::Output, String>;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            install_quiet_hook();
            let was_quiet = QUIET.with(|q| q.replace(true));
            let inner = &mut self.inner;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.as_mut().poll(cx)));
            QUIET.with(|q| q.set(was_quiet));
            match r {
                Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
                Ok(Poll::Pending) => Poll::Pending,
                Err(_) => Poll::Ready(Err(LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default())),
            }
        }
    }
}

/// Runs one case on one backend (`dev` is `Err(reason)` for a backend that is not present).
pub async fn run_case_async(case: &Case, backend: &str, dev: &Result<Device, String>) -> Outcome {
    let (forward, grad) = match dev {
        Err(reason) => {
            let g = if case.grad.is_some() {
                Status::Skip(reason.clone())
            } else {
                Status::NotApplicable
            };
            (Status::Skip(reason.clone()), g)
        }
        Ok(dev) => {
            let f = guarded_async("forward", forward_status(case, dev)).await;
            let g = match &case.grad {
                None => Status::NotApplicable,
                Some(spec) => guarded_async("gradient", gradcheck::check_async(case, dev, spec)).await,
            };
            (f, g)
        }
    };
    Outcome {
        op: case.op,
        label: case.label(),
        backend: backend.to_string(),
        forward,
        grad,
    }
}

/// [`run_case_async`], blocking.
pub fn run_case(case: &Case, backend: &str, dev: &Result<Device, String>) -> Outcome {
    pollster::block_on(run_case_async(case, backend, dev))
}

/// Runs cases on every backend entry; returns all outcomes (in case order, then backend order).
pub async fn run_all_async(cases: &[Case], backends: &[backends::BackendEntry]) -> Vec<Outcome> {
    let mut out = vec![];
    for case in cases {
        for b in backends {
            out.push(run_case_async(case, b.name, &b.device).await);
        }
    }
    out
}

/// [`run_all_async`], blocking.
pub fn run_all(cases: &[Case], backends: &[backends::BackendEntry]) -> Vec<Outcome> {
    pollster::block_on(run_all_async(cases, backends))
}
