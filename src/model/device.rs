//! Choosing the candle device: one helper for `--device cpu|cuda[:N]|metal[:N]`, with a clear
//! message when a GPU feature was not compiled in.

use crate::error::{Error, Result};
use candle_core::Device;

/// Parses a device name: `cpu` (default), `cuda`, `cuda:N`, `metal`, `metal:N` (`cpu` takes no
/// ordinal; an empty name is refused).
pub fn parse_device(name: &str) -> Result<Device> {
    let name = name.trim().to_ascii_lowercase();
    let (kind, ordinal) = match name.split_once(':') {
        Some((k, n)) => {
            let n: usize = n
                .parse()
                .map_err(|_| Error::BadParams(format!("bad device ordinal in {name:?}")))?;
            (k.to_string(), n)
        }
        None => (name.clone(), 0),
    };
    match kind.as_str() {
        "cpu" if ordinal == 0 && !name.contains(':') => Ok(Device::Cpu),
        "cpu" => Err(Error::BadParams(format!(
            "the CPU device takes no ordinal: use cpu, not {name:?}"
        ))),
        "" => Err(Error::BadParams(
            "empty device name: use cpu, cuda[:N] or metal[:N]".into(),
        )),
        "cuda" | "gpu" => cuda(ordinal),
        "metal" | "mps" => metal(ordinal),
        other => Err(Error::BadParams(format!(
            "unknown device {other:?}: use cpu, cuda[:N] or metal[:N]"
        ))),
    }
}

#[cfg(feature = "cuda")]
fn cuda(ordinal: usize) -> Result<Device> {
    Device::new_cuda(ordinal)
        .map_err(|e| Error::Model(format!("cannot open CUDA device {ordinal}: {e}")))
}
#[cfg(not(feature = "cuda"))]
fn cuda(_ordinal: usize) -> Result<Device> {
    Err(Error::BadParams(
        "this build has no CUDA support: rebuild with `cargo build --release --features cuda` \
         (needs the CUDA toolkit), or use --device cpu"
            .into(),
    ))
}

#[cfg(feature = "metal")]
fn metal(ordinal: usize) -> Result<Device> {
    Device::new_metal(ordinal)
        .map_err(|e| Error::Model(format!("cannot open Metal device {ordinal}: {e}")))
}
#[cfg(not(feature = "metal"))]
fn metal(_ordinal: usize) -> Result<Device> {
    Err(Error::BadParams(
        "this build has no Metal support: rebuild with `cargo build --release --features metal` \
         (macOS only), or use --device cpu"
            .into(),
    ))
}

/// The backend name recorded in containers: "cpu", "cuda:N", "metal:N".
pub fn backend_name(dev: &Device) -> String {
    match dev.location() {
        candle_core::DeviceLocation::Cpu => "cpu".into(),
        candle_core::DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
        candle_core::DeviceLocation::Metal { gpu_id } => format!("metal:{gpu_id}"),
    }
}
