//! (benchmark under construction)
fn main() {}
