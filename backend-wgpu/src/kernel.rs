//! A compiled kernel: its pipeline, grid and output, and how one run is recorded.

use std::sync::Arc;

use wgpu::util::DeviceExt;

use ferroflow_core::ir::Kernel;
use ferroflow_core::{BackendBuffer, Buffer, DType, Error, Executable, Result};

use crate::buffer::GpuBuffer;
use crate::context::{backend_error, Gpu};
use crate::pipelines::{Layout, PipelineCache};
use crate::render::{render, Shader};
use ferroflow_core::MemoryCounter;

pub(crate) struct GpuKernel {
    gpu: Arc<Gpu>,
    mem: Arc<MemoryCounter>,
    layout: Arc<Layout>,
    pipeline: Arc<wgpu::ComputePipeline>,
    grid: [u32; 3],
    /// The uniform the shader reads its sizes from, when it does (`render/sizes.rs`).
    sizes: Option<wgpu::Buffer>,
    /// Declared dtype of each input binding (`None` for bindings the shader does not read).
    inputs: Vec<Option<DType>>,
    out_len: usize,
    out_dtype: DType,
    /// Split-K GEMMs: the pass that folds the first pass's partials into the output.
    finish: Option<FinishPass>,
}

struct FinishPass {
    layout: Arc<Layout>,
    pipeline: Arc<wgpu::ComputePipeline>,
    grid: [u32; 3],
    partials: usize,
}

impl GpuKernel {
    pub(crate) fn compile(
        gpu: &Arc<Gpu>,
        mem: &Arc<MemoryCounter>,
        cache: &PipelineCache,
        kernel: &Kernel,
    ) -> Result<GpuKernel> {
        gpu.check()?;
        let shader = render(kernel, &gpu.render)?;
        // In the browser, WebGPU validates the shader (see Cargo.toml).
        #[cfg(not(target_arch = "wasm32"))]
        validate(&shader.source)?;
        let layout = cache.layout(gpu, kernel.num_inputs, !shader.sizes.is_empty())?;
        let pipeline = build_pipeline(gpu, cache, &layout, &shader)?;
        let sizes = (!shader.sizes.is_empty()).then(|| {
            gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("ferroflow kernel sizes"),
                contents: bytemuck::cast_slice(&shader.sizes),
                usage: wgpu::BufferUsages::UNIFORM,
            })
        });
        let finish = match &shader.finish {
            None => None,
            Some(f) => {
                #[cfg(not(target_arch = "wasm32"))]
                validate(&f.shader.source)?;
                // The partials are one more read-only input.
                let layout = cache.layout(gpu, kernel.num_inputs + 1, false)?;
                let pipeline = build_pipeline(gpu, cache, &layout, &f.shader)?;
                Some(FinishPass {
                    layout,
                    pipeline,
                    grid: f.shader.grid,
                    partials: f.partials,
                })
            }
        };
        let out_len = kernel.out_shape.iter().product();
        Ok(GpuKernel {
            gpu: gpu.clone(),
            mem: mem.clone(),
            layout,
            pipeline,
            grid: shader.grid,
            sizes,
            inputs: shader.inputs,
            out_len,
            out_dtype: kernel.out_dtype,
            finish,
        })
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn build_pipeline(
    gpu: &Gpu,
    cache: &PipelineCache,
    layout: &Layout,
    shader: &Shader,
) -> Result<Arc<wgpu::ComputePipeline>> {
    // Natively the driver's verdict is available at once: catch it instead of letting it reach
    // the uncaptured-error handler.
    let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let p = cache.pipeline(gpu, layout, &shader.source);
    if let Some(e) = pollster::block_on(scope.pop()) {
        return Err(backend_error(format!("pipeline creation failed: {e}")));
    }
    p
}

#[cfg(target_arch = "wasm32")]
fn build_pipeline(
    gpu: &Gpu,
    cache: &PipelineCache,
    layout: &Layout,
    shader: &Shader,
) -> Result<Arc<wgpu::ComputePipeline>> {
    cache.pipeline(gpu, layout, &shader.source)
}

/// Checks rendered WGSL with naga, so a renderer bug is a clear error naming the line, not a
/// device-level validation failure.
#[cfg(not(target_arch = "wasm32"))]
pub fn validate(source: &str) -> Result<()> {
    let module = naga::front::wgsl::parse_str(source)
        .map_err(|e| backend_error(format!("generated WGSL does not parse: {}", e.emit_to_string(source))))?;
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty())
        .validate(&module)
        .map_err(|e| backend_error(format!("generated WGSL is invalid: {}", e.emit_to_string(source))))?;
    Ok(())
}

impl Executable for GpuKernel {
    fn run(&self, inputs: &[&Buffer]) -> Result<Buffer> {
        self.gpu.check()?;
        if inputs.len() != self.inputs.len() {
            return Err(backend_error(format!(
                "kernel expects {} inputs, got {}",
                self.inputs.len(),
                inputs.len()
            )));
        }
        let mut bufs = Vec::with_capacity(inputs.len());
        for (i, (b, want)) in inputs.iter().zip(&self.inputs).enumerate() {
            let g = b.downcast::<GpuBuffer>("wgpu")?;
            if let Some(d) = want {
                if g.dtype() != *d {
                    return Err(Error::dtype(
                        "wgpu",
                        format!("kernel input {i} is {}, expected {d}", g.dtype()),
                    ));
                }
            }
            bufs.push(g);
        }
        let out = GpuBuffer::alloc(&self.gpu, &self.mem, self.out_len, self.out_dtype)?;
        if self.out_len == 0 {
            return Ok(Buffer::new(out));
        }
        let group = |layout: &Layout, entries: &[wgpu::BindGroupEntry<'_>]| {
            self.gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout: &layout.bind_group,
                entries,
            })
        };
        let dispatch = |pipeline: &wgpu::ComputePipeline, group: &wgpu::BindGroup, [x, y, z]: [u32; 3]| {
            self.gpu.record(|enc| {
                let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, group, &[]);
                pass.dispatch_workgroups(x, y, z);
            })
        };
        match &self.finish {
            None => {
                let g = group(&self.layout, &self.with_sizes(bind_entries(&bufs, &[&out])?));
                dispatch(&self.pipeline, &g, self.grid)?;
            }
            Some(f) => {
                // Partial products first, then the fold into `out`; queue order orders them,
                // and the partials return to the pool only after both are recorded.
                let partials = GpuBuffer::alloc(&self.gpu, &self.mem, f.partials, DType::F32)?;
                let g1 = group(&self.layout, &self.with_sizes(bind_entries(&bufs, &[&partials])?));
                dispatch(&self.pipeline, &g1, self.grid)?;
                let g2 = group(&f.layout, &bind_entries(&bufs, &[&partials, &out])?);
                dispatch(&f.pipeline, &g2, f.grid)?;
            }
        }
        Ok(Buffer::new(out))
    }
}

impl GpuKernel {
    /// The main pass's bindings: `entries`, then the sizes uniform when the shader reads one.
    fn with_sizes<'a>(&'a self, mut entries: Vec<wgpu::BindGroupEntry<'a>>) -> Vec<wgpu::BindGroupEntry<'a>> {
        if let Some(sizes) = &self.sizes {
            entries.push(wgpu::BindGroupEntry {
                binding: entries.len() as u32,
                resource: sizes.as_entire_binding(),
            });
        }
        entries
    }
}

/// Bindings `0..` in order: the kernel's inputs, then `extra` (the output, or the partials).
fn bind_entries<'a>(inputs: &[&'a GpuBuffer], extra: &[&'a GpuBuffer]) -> Result<Vec<wgpu::BindGroupEntry<'a>>> {
    inputs
        .iter()
        .chain(extra)
        .enumerate()
        .map(|(i, b)| {
            Ok(wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.raw()?.as_entire_binding(),
            })
        })
        .collect()
}
