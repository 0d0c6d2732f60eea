//! Prints the op table (`ferroflow_core::ops::table::OPS`) as JSON: the npm build generates the
//! JS functions, `Tensor` methods, TypeScript declarations and the README's op list from it.
//! With `--graph-ops`: the TF ops graph models may use (`ferroflow_core::tfjs::supported_ops`),
//! from which the npm suite writes the README's table of the converter's ops.

fn main() {
    let json = if std::env::args().nth(1).as_deref() == Some("--graph-ops") {
        serde_json::to_string_pretty(&ferroflow_core::tfjs::supported_ops())
    } else {
        serde_json::to_string_pretty(ferroflow_core::ops::table::OPS)
    };
    match json {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("op-table: {e}");
            std::process::exit(1);
        }
    }
}
