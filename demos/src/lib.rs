//! Shared pieces of the Ferroflow demos: the MNIST data set, backend selection, the demo model and
//! a progress line.

pub mod backend;
pub mod mnist;
pub mod progress;
pub mod train;
