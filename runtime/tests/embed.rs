//! Compiles `src/lib.rs` as a plain module, the way every generated crate embeds it as
//! `src/runtime.rs`, so that anything legal only at a crate root (inner attributes, `crate::`
//! paths, `mod` declarations of sibling files) fails here instead of in a generated SDK.

#[path = "../src/lib.rs"]
#[allow(dead_code, unused_imports)]
mod runtime;

/// What the models use, which a crate built without the `client` feature has too.
#[test]
fn the_runtime_compiles_and_works_as_a_module() {
    assert!(runtime::is_guid("3fa85f64-5717-4562-b3fc-2c963f66afa6"));
    let page: runtime::Collection<runtime::Guid> = serde_json::from_str(r#"{"value":["x"]}"#).expect("a collection");
    assert_eq!(page.value[0].as_str(), "x");
}

/// The client, from the module's child `http`.
#[cfg(feature = "client")]
#[test]
fn its_client_compiles_and_works_as_a_module() {
    assert_eq!(runtime::encode_path_param("a b"), "a%20b");
    let client = runtime::Client::new("https://example.invalid/").with_bearer_token("t");
    assert_eq!(client.base_url(), "https://example.invalid");
    let method: runtime::Method = runtime::Method::PATCH;
    assert_eq!(method.as_str(), "PATCH");
    let mut batch = runtime::Batch::new();
    let id = batch.add(runtime::Method::GET, "me", None);
    assert_eq!(batch.len(), 1);
    let _ = id;
}
