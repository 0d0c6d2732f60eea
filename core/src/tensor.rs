//! Lazy tensors. A [`Tensor`] is a cheap handle to a node of the primitive graph; nothing is
//! computed until data is read or [`Tensor::realize`] is called, at which point the scheduler
//! (`schedule`) cuts the pending graph into kernels and runs them on the tensor's device.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::device::{Buffer, Device};
use crate::dtype::{DType, HostData, Scalar};
use crate::ir::Prim;
use crate::shape::{numel, numel_checked, Shape};
use crate::{Error, Result};

/// A user-supplied gradient rule attached to a node (see [`crate::autograd::custom_grad`]).
pub type VjpFn = Arc<dyn Fn(&Tensor) -> Result<Vec<Tensor>> + Send + Sync>;

pub(crate) struct CustomGrad {
    pub inputs: Vec<Tensor>,
    pub vjp: VjpFn,
}

pub(crate) struct Node {
    pub id: u64,
    pub prim: Prim,
    pub inputs: Vec<Tensor>,
    pub shape: Shape,
    pub dtype: DType,
    pub device: Device,
    pub buffer: Mutex<Option<Buffer>>,
    pub custom: Option<CustomGrad>,
}

impl Drop for Node {
    /// Drops input chains iteratively: a long pending graph would otherwise recurse once per level
    /// and overflow the stack (a small one on wasm).
    fn drop(&mut self) {
        let mut stack: Vec<Tensor> = std::mem::take(&mut self.inputs);
        if let Some(c) = self.custom.take() {
            stack.extend(c.inputs);
        }
        while let Some(t) = stack.pop() {
            if let Ok(mut node) = Arc::try_unwrap(t.0) {
                stack.append(&mut node.inputs);
                if let Some(c) = node.custom.take() {
                    stack.extend(c.inputs);
                }
            }
        }
    }
}

/// A lazily evaluated n-dimensional array on a device.
#[derive(Clone)]
pub struct Tensor(pub(crate) Arc<Node>);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static DEFAULT_DEVICE: RwLock<Option<Device>> = RwLock::new(None);

/// Sets the device that constructors without an explicit device use.
pub fn set_default_device(device: Device) {
    if let Ok(mut d) = DEFAULT_DEVICE.write() {
        *d = Some(device);
    }
}

/// The default device, or an error telling the caller how to pick one.
pub fn default_device() -> Result<Device> {
    DEFAULT_DEVICE.read().ok().and_then(|d| d.clone()).ok_or_else(|| {
        Error::invalid(
            "device",
            "no default device set: call set_default_device (e.g. with the device of ferroflow::device(\"cpu\"))",
        )
    })
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Tensor(#{} {} {:?} {} on {})",
            self.0.id,
            self.0.prim.name(),
            self.0.shape,
            self.0.dtype,
            self.0.device.name()
        )
    }
}

impl Tensor {
    fn make(
        prim: Prim,
        inputs: Vec<Tensor>,
        shape: Shape,
        dtype: DType,
        device: Device,
        buffer: Option<Buffer>,
    ) -> Tensor {
        Tensor(Arc::new(Node {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            prim,
            inputs,
            shape,
            dtype,
            device,
            buffer: Mutex::new(buffer),
            custom: None,
        }))
    }

    /// Applies a primitive (validated by [`Prim::infer`]); all inputs must share a device.
    pub(crate) fn apply(prim: Prim, inputs: &[&Tensor]) -> Result<Tensor> {
        let device = match inputs.first() {
            Some(t) => t.device(),
            None => default_device()?,
        };
        Self::apply_on(prim, inputs, device)
    }

    pub(crate) fn apply_on(prim: Prim, inputs: &[&Tensor], device: Device) -> Result<Tensor> {
        if let Some(t) = inputs.iter().find(|t| t.0.device != device) {
            return Err(Error::invalid(
                prim.name(),
                format!(
                    "operands live on different devices ({} and {})",
                    device.name(),
                    t.0.device.name()
                ),
            ));
        }
        let sig: Vec<(&[usize], DType)> = inputs.iter().map(|t| (t.0.shape.as_slice(), t.0.dtype)).collect();
        let (shape, dtype) = prim.infer(&sig)?;
        Ok(Self::make(
            prim,
            inputs.iter().map(|t| (*t).clone()).collect(),
            shape,
            dtype,
            device,
            None,
        ))
    }

    /// A tensor from host data on a device; `data.len()` must equal the shape's element count.
    pub fn from_host_on(data: HostData, shape: &[usize], device: &Device) -> Result<Tensor> {
        let n = numel_checked("tensor", shape)?;
        if n != data.len() {
            return Err(Error::shape(
                "tensor",
                format!("shape {shape:?} needs {n} values, got {}", data.len()),
            ));
        }
        let dtype = data.dtype();
        let buf = device.upload(&data)?;
        Ok(Self::make(
            Prim::Data,
            vec![],
            shape.to_vec(),
            dtype,
            device.clone(),
            Some(buf),
        ))
    }

    /// A tensor from host data on the default device.
    pub fn from_host(data: impl Into<HostData>, shape: &[usize]) -> Result<Tensor> {
        Self::from_host_on(data.into(), shape, &default_device()?)
    }

    /// A rank-0 constant on a device (no buffer until realized; folded into kernels).
    pub fn scalar_on(value: impl Into<Scalar>, device: &Device) -> Tensor {
        let v = value.into();
        Self::make(Prim::Const(v), vec![], vec![], v.dtype(), device.clone(), None)
    }

    /// A rank-0 constant on the default device.
    pub fn scalar(value: impl Into<Scalar>) -> Result<Tensor> {
        Ok(Self::scalar_on(value, &default_device()?))
    }

    pub(crate) fn with_custom_grad(self, inputs: Vec<Tensor>, vjp: VjpFn) -> Result<Tensor> {
        let shape = self.0.shape.clone();
        let (dtype, device) = (self.0.dtype, self.0.device.clone());
        Ok(Tensor(Arc::new(Node {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            prim: Prim::Reshape(shape.clone()),
            inputs: vec![self],
            shape,
            dtype,
            device,
            buffer: Mutex::new(None),
            custom: Some(CustomGrad { inputs, vjp }),
        })))
    }

    pub fn shape(&self) -> &[usize] {
        &self.0.shape
    }
    pub fn rank(&self) -> usize {
        self.0.shape.len()
    }
    pub fn numel(&self) -> usize {
        numel(&self.0.shape)
    }
    pub fn dtype(&self) -> DType {
        self.0.dtype
    }
    pub fn device(&self) -> Device {
        self.0.device.clone()
    }
    /// A process-unique id of the graph node (stable while the tensor lives).
    pub fn id(&self) -> u64 {
        self.0.id
    }
    /// The primitive that produces this tensor.
    pub fn prim(&self) -> &Prim {
        &self.0.prim
    }
    pub(crate) fn inputs(&self) -> &[Tensor] {
        &self.0.inputs
    }
    /// The realized buffer, if any.
    pub fn buffer(&self) -> Option<Buffer> {
        self.0.buffer.lock().ok().and_then(|b| b.clone())
    }
    pub(crate) fn set_buffer(&self, buf: Buffer) {
        if let Ok(mut b) = self.0.buffer.lock() {
            *b = Some(buf);
        }
    }
    pub fn is_realized(&self) -> bool {
        self.buffer().is_some()
    }

    /// Computes this tensor (and whatever it needs) now.
    pub fn realize(&self) -> Result<&Tensor> {
        crate::schedule::realize(&[self])?;
        Ok(self)
    }

    /// A new leaf holding this tensor's value, cut off from the graph that produced it (gradients
    /// do not flow through it). Realizes first.
    pub fn detach(&self) -> Result<Tensor> {
        self.realize()?;
        let buf = self
            .buffer()
            .ok_or_else(|| Error::backend(self.0.device.name(), "realize produced no buffer"))?;
        Ok(Self::make(
            Prim::Data,
            vec![],
            self.0.shape.clone(),
            self.0.dtype,
            self.0.device.clone(),
            Some(buf),
        ))
    }

    /// Copies the values to the host (realizing first).
    pub fn to_host(&self) -> Result<HostData> {
        self.realize()?;
        let buf = self
            .buffer()
            .ok_or_else(|| Error::backend(self.0.device.name(), "realize produced no buffer"))?;
        self.0.device.download(&buf)
    }

    /// [`Tensor::to_host`] without blocking: the only readback WebGPU in a browser allows.
    /// Kernels are still submitted synchronously; only the copy back is awaited.
    pub async fn to_host_async(&self) -> Result<HostData> {
        self.realize()?;
        let buf = self
            .buffer()
            .ok_or_else(|| Error::backend(self.0.device.name(), "realize produced no buffer"))?;
        self.0.device.download_async(&buf).await
    }

    /// [`Tensor::to_vec_f32`] without blocking.
    pub async fn to_vec_f32_async(&self) -> Result<Vec<f32>> {
        Ok(self.to_host_async().await?.to_f32_vec())
    }

    /// Values as f32 (ints and bools converted).
    pub fn to_vec_f32(&self) -> Result<Vec<f32>> {
        Ok(self.to_host()?.to_f32_vec())
    }

    /// Values as i32; errors unless the dtype is int32.
    pub fn to_vec_i32(&self) -> Result<Vec<i32>> {
        match self.to_host()? {
            HostData::I32(v) => Ok(v),
            d => Err(Error::dtype(
                "dataSync",
                format!("expected int32, tensor is {}", d.dtype()),
            )),
        }
    }

    /// The single value of a one-element tensor, as f32.
    pub fn item(&self) -> Result<f32> {
        if self.numel() != 1 {
            return Err(Error::shape(
                "item",
                format!("needs exactly one element, tensor has shape {:?}", self.shape()),
            ));
        }
        Ok(self.to_vec_f32()?.first().copied().unwrap_or(f32::NAN))
    }
}
