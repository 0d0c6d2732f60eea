//! Compiled pipelines keyed by WGSL source, and one bind-group layout per input count.
//!
//! The core's `Device` already caches compiled kernels by their structural hash; this cache
//! additionally lets different kernels that render to the same shader share a pipeline, and it
//! counts how many pipelines were really built (what tests and benchmarks report).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ferroflow_core::Result;

use crate::context::{backend_error, Gpu};

/// The pipeline layout for kernels with `n` inputs: bindings `0..n` read-only storage, binding
/// `n` the read-write output, and binding `n + 1` a uniform for shaders that read their sizes
/// at run time (`render/sizes.rs`).
pub(crate) struct Layout {
    pub(crate) bind_group: wgpu::BindGroupLayout,
    pipeline: wgpu::PipelineLayout,
}

#[derive(Default)]
pub(crate) struct PipelineCache {
    pipelines: Mutex<HashMap<String, Arc<wgpu::ComputePipeline>>>,
    layouts: Mutex<HashMap<(usize, bool), Arc<Layout>>>,
    built: Mutex<usize>,
}

impl PipelineCache {
    pub(crate) fn layout(&self, gpu: &Gpu, n_inputs: usize, sizes_uniform: bool) -> Result<Arc<Layout>> {
        let mut layouts = self.layouts.lock().map_err(|_| backend_error("layout lock poisoned"))?;
        if let Some(l) = layouts.get(&(n_inputs, sizes_uniform)) {
            return Ok(l.clone());
        }
        let entry = |i: usize, ty: wgpu::BufferBindingType| wgpu::BindGroupLayoutEntry {
            binding: i as u32,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let mut entries: Vec<wgpu::BindGroupLayoutEntry> = (0..=n_inputs)
            .map(|i| {
                entry(
                    i,
                    wgpu::BufferBindingType::Storage {
                        read_only: i < n_inputs,
                    },
                )
            })
            .collect();
        if sizes_uniform {
            entries.push(entry(n_inputs + 1, wgpu::BufferBindingType::Uniform));
        }
        let bind_group = gpu.device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: None,
            entries: &entries,
        });
        let pipeline = gpu.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: None,
            bind_group_layouts: &[Some(&bind_group)],
            immediate_size: 0,
        });
        let l = Arc::new(Layout { bind_group, pipeline });
        layouts.insert((n_inputs, sizes_uniform), l.clone());
        Ok(l)
    }

    /// The pipeline for `source` (validated WGSL), built on first use.
    pub(crate) fn pipeline(&self, gpu: &Gpu, layout: &Layout, source: &str) -> Result<Arc<wgpu::ComputePipeline>> {
        let poisoned = || backend_error("pipeline lock poisoned");
        if let Some(p) = self.pipelines.lock().map_err(|_| poisoned())?.get(source) {
            return Ok(p.clone());
        }
        let module = gpu.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: None,
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let p = Arc::new(gpu.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: None,
            layout: Some(&layout.pipeline),
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        }));
        self.pipelines
            .lock()
            .map_err(|_| poisoned())?
            .insert(source.to_string(), p.clone());
        *self.built.lock().map_err(|_| poisoned())? += 1;
        Ok(p)
    }

    pub(crate) fn built(&self) -> usize {
        self.built.lock().map(|b| *b).unwrap_or(0)
    }
}
