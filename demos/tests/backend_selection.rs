//! `--backend best` tries cuda, pjrt, wgpu, cpu in that order and says why each better one was
//! passed over. The absent cases are real here: no NVIDIA driver (so CUDA does not open), and the
//! PJRT plugin is missing or unloadable. One test function, because it changes `FERROFLOW_PJRT_PLUGIN`.

use ferroflow_demos::backend::device;

#[test]
fn best_falls_back_in_order_and_names_each_reason() {
    let saved = std::env::var_os("FERROFLOW_PJRT_PLUGIN");

    std::env::remove_var("FERROFLOW_PJRT_PLUGIN");
    let (dev, report) = device("best").expect("cpu always opens");
    let cuda_opened = dev.name() == "cuda";
    if cuda_opened {
        println!("skipped: CUDA opened ({report}), so the fallback below it is not checked");
    } else {
        check_fallback(dev.name(), &report);
    }
    let (auto, _) = device("auto").expect("auto is best's alias");
    assert_eq!(auto.name(), dev.name());

    std::env::set_var("FERROFLOW_PJRT_PLUGIN", "/nonexistent/pjrt_plugin.so");
    let (_, report) = device("best").expect("falls back");
    if !cuda_opened {
        assert!(report.contains("/nonexistent/pjrt_plugin.so"), "{report}");
    }
    let err = device("pjrt").map(|d| d.1).unwrap_err();
    assert!(err.contains("/nonexistent/pjrt_plugin.so"), "{err}");

    // Not a PJRT plugin: a real shared library without GetPjrtApi.
    if let Some(libc) = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    {
        std::env::set_var("FERROFLOW_PJRT_PLUGIN", libc);
        let err = device("pjrt").map(|d| d.1).unwrap_err();
        assert!(err.contains("GetPjrtApi"), "{err}");
    }

    let err = device("tpu").map(|d| d.1).unwrap_err();
    assert!(err.contains("best, auto, cuda, pjrt, wgpu, cpu"), "{err}");

    match saved {
        Some(p) => {
            std::env::set_var("FERROFLOW_PJRT_PLUGIN", &p);
            let (dev, report) = device("best").expect("opens");
            let want = if cuda_opened { "cuda" } else { "pjrt" };
            assert_eq!(dev.name(), want, "{report}");
        }
        None => println!("skipped: FERROFLOW_PJRT_PLUGIN unset, so `best` picking pjrt is not checked"),
    }
}

/// `best` fell back past cuda and pjrt (to wgpu or cpu): each better backend's reason is named, in
/// order, and the cuda one names the missing driver when there is none.
#[allow(clippy::expect_used)] // test code outside a #[test] fn
fn check_fallback(picked: &str, report: &str) {
    assert!(matches!(picked, "wgpu" | "cpu"), "picked {picked} ({report})");
    let cuda = report.find("cuda unavailable").expect(report);
    let pjrt = report.find("pjrt unavailable").expect(report);
    assert!(cuda < pjrt, "reasons out of order: {report}");
    if ferroflow::native::cuda::runtime::check_driver().is_err() {
        // The cuda reason names the missing driver (and comes before pjrt's).
        let why = &report[cuda..pjrt];
        assert!(why.contains("no NVIDIA driver") && why.contains("libcuda"), "{report}");
    } else {
        println!("skipped: an NVIDIA driver is present, so the missing-driver reason is not checked");
    }
    assert!(report.contains("FERROFLOW_PJRT_PLUGIN"), "{report}");
    if picked == "cpu" {
        assert!(report.contains("wgpu unavailable"), "{report}");
    }
}
