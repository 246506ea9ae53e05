//! `uniffi-bindgen`: generates the Kotlin bindings of `libeverruns_kotlin.so` (library mode).

fn main() {
    uniffi::uniffi_bindgen_main()
}
