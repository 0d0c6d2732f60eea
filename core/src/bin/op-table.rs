//! Prints the op table (`ferroflow_core::ops::table::OPS`) as JSON: the npm build generates the
//! JS functions, `Tensor` methods, TypeScript declarations and the README's op list from it.

fn main() {
    match serde_json::to_string_pretty(ferroflow_core::ops::table::OPS) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("op-table: {e}");
            std::process::exit(1);
        }
    }
}
