//! The op table, one module per family. Each module's `cases()` lists its cases; inputs come
//! from a generator seeded per module, so the table is the same on every run and machine.

pub mod activation;
pub mod arithmetic;
pub mod creation;
pub mod fusion;
pub mod linalg;
pub mod logic;
pub mod losses;
pub mod math;
pub mod movement;
pub mod nn;
pub mod reduce;

use crate::conformance::Case;

/// A family of cases: its name and its case list.
pub struct Family {
    pub name: &'static str,
    pub cases: fn() -> Vec<Case>,
}

const fn fam(name: &'static str, cases: fn() -> Vec<Case>) -> Family {
    Family { name, cases }
}

/// Every family, in report order.
pub const FAMILIES: &[Family] = &[
    fam("creation", creation::cases),
    fam("arithmetic", arithmetic::cases),
    fam("math", math::cases),
    fam("logic", logic::cases),
    fam("reduce", reduce::cases),
    fam("linalg", linalg::cases),
    fam("nn", nn::cases),
    fam("movement", movement::cases),
    fam("activation", activation::cases),
    fam("losses", losses::cases),
    fam("fusion", fusion::cases),
];

/// Every case of every family.
pub fn all() -> Vec<Case> {
    FAMILIES.iter().flat_map(|f| (f.cases)()).collect()
}

/// The cases of one family (`None` for an unknown name).
pub fn family(name: &str) -> Option<Vec<Case>> {
    FAMILIES.iter().find(|f| f.name == name).map(|f| (f.cases)())
}
