//! The stages of the generator on small inputs.

use std::cell::Cell;

use quote::quote;

use super::render::{catch_quietly, render, HEADER, QUIET};

#[test]
fn tokens_that_do_not_parse_are_an_error_naming_output_and_schema() {
    let e = render("action.rs", "actions/", "Doc.", quote! { pub enum {} }).expect_err("not Rust");
    assert_eq!(e.file, "actions/");
    assert!(e.message.contains("`action.rs` does not parse"), "{e}");
    let ok = render("action.rs", "actions/", "Doc.", quote! { pub enum A { B } });
    assert!(ok.is_ok_and(|text| text.starts_with(HEADER) && text.contains("pub enum A")));
}

#[test]
fn panics_are_caught_per_thread_with_their_message() {
    let threads: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let caught = catch_quietly(|| -> u32 { panic!("typify failed {i}") });
                let fine = catch_quietly(|| i);
                (caught, fine)
            })
        })
        .collect();
    for (i, thread) in threads.into_iter().enumerate() {
        let (caught, fine) = thread
            .join()
            .expect("the panic stayed inside catch_quietly");
        assert_eq!(caught, Err(format!("typify failed {i}")));
        assert_eq!(fine, Ok(i));
    }
    assert!(!QUIET.with(Cell::get), "the flag is reset after each call");
}

/// The checked-in generated files are what the schemas produce; a stale one is named.
#[test]
fn generated_files_are_fresh() {
    let generated = super::generate_all().expect("codegen succeeds");
    let outcome = crate::files::sync(&crate::layout::root(), &generated, super::OWNED, true)
        .expect("read generated files");
    assert!(
        outcome.stale.is_empty(),
        "stale generated files (run `cargo xtask codegen`): {:?}",
        outcome.stale
    );
}

/// Two runs give identical bytes.
#[test]
fn codegen_is_deterministic() {
    let a = super::generate_all().expect("codegen succeeds");
    let b = super::generate_all().expect("codegen succeeds");
    assert_eq!(a, b);
}
