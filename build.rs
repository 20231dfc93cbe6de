//! Build script: finds Wireshark through pkg-config, generates the Rust side
//! of the C ABI from include/miio_dissector.h with bindgen, reads the
//! Wireshark version the plugin is compiled for, and compiles the C shim.

use std::env;
use std::path::{Path, PathBuf};

const ABI_HEADER: &str = "include/miio_dissector.h";
const SHIM_DIR: &str = "wireshark-plugin";

fn main() {
    println!("cargo:rerun-if-changed={ABI_HEADER}");
    println!("cargo:rerun-if-changed=include");
    println!("cargo:rerun-if-changed={SHIM_DIR}");
    for var in [
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
        "LIBCLANG_PATH",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let wireshark = find_wireshark();

    generate_abi_bindings(&out.join("miio_abi.rs"));
    generate_version_constants(&wireshark.include_paths, &out.join("ws_version.rs"));
    compile_shim(&wireshark.include_paths);

    for path in &wireshark.link_paths {
        println!("cargo:rustc-link-search=native={}", path.display());
    }
    for lib in ["wireshark", "wsutil", "glib-2.0"] {
        println!("cargo:rustc-link-lib=dylib={lib}");
    }
}

struct Wireshark {
    include_paths: Vec<PathBuf>,
    link_paths: Vec<PathBuf>,
}

fn find_wireshark() -> Wireshark {
    let lib = pkg_config::Config::new()
        .cargo_metadata(false)
        .probe("wireshark")
        .unwrap_or_else(|e| {
            fail(&format!(
                "cannot find Wireshark's development files through pkg-config.\n\
                 On Debian/Ubuntu: apt-get install libwireshark-dev libglib2.0-dev pkg-config\n\
                 For a Wireshark installed elsewhere, point PKG_CONFIG_PATH at its wireshark.pc.\n\
                 pkg-config said: {e}"
            ))
        });
    // With PKG_CONFIG_SYSROOT_DIR, pkg-config also emits the other tree's
    // /usr/include, whose libc headers must not shadow this machine's.
    let sysroot_usr_include =
        env::var_os("PKG_CONFIG_SYSROOT_DIR").map(|root| Path::new(&root).join("usr/include"));
    let include_paths = lib
        .include_paths
        .into_iter()
        .filter(|p| Some(p) != sysroot_usr_include.as_ref())
        .collect();
    Wireshark {
        include_paths,
        link_paths: lib.link_paths,
    }
}

/// Runs bindgen, turning clang-sys's panic when libclang is missing into the
/// same clear message as bindgen's own errors.
fn bindgen_generate(builder: bindgen::Builder, what: &str) -> bindgen::Bindings {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || builder.generate())) {
        Ok(Ok(bindings)) => bindings,
        Ok(Err(e)) => fail(&format!("bindgen failed on {what}: {e}{LIBCLANG_HINT}")),
        Err(_) => fail(&format!(
            "bindgen could not run for {what}: libclang was not found.{LIBCLANG_HINT}"
        )),
    }
}

fn generate_abi_bindings(dest: &Path) {
    let builder = bindgen::Builder::default()
        .header(ABI_HEADER)
        .allowlist_function("(miio|roborock|mibeacon|micloud)_.*")
        .allowlist_type("(miio|roborock|mibeacon|micloud)_.*")
        .allowlist_var("(MIIO|ROBOROCK|MIBEACON|MICLOUD)_.*")
        .rustified_enum("(miio|roborock|mibeacon|micloud)_.*")
        .derive_debug(true)
        .derive_eq(true);
    bindgen_generate(builder, ABI_HEADER)
        .write_to_file(dest)
        .expect("write ABI bindings");
}

/// WIRESHARK_VERSION_MAJOR/MINOR of the headers in use, so that
/// plugin_want_major/minor always match what the plugin was compiled against.
fn generate_version_constants(include_paths: &[PathBuf], dest: &Path) {
    let args = include_paths.iter().map(|p| format!("-I{}", p.display()));
    let builder = bindgen::Builder::default()
        .header_contents("ws_version_wrapper.h", "#include <ws_version.h>\n")
        .clang_args(args)
        .allowlist_var("WIRESHARK_VERSION_(MAJOR|MINOR|MICRO)");
    let searched = include_paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    bindgen_generate(
        builder,
        &format!("ws_version.h of the Wireshark headers (searched: {searched})"),
    )
    .write_to_file(dest)
    .expect("write version constants");
}

fn compile_shim(include_paths: &[PathBuf]) {
    let sources: Vec<PathBuf> = std::fs::read_dir(SHIM_DIR)
        .expect("read wireshark-plugin/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    cc::Build::new()
        .files(&sources)
        .include("include")
        .include(SHIM_DIR)
        .includes(include_paths)
        .flag_if_supported("-Wall")
        .flag_if_supported("-Wextra")
        .flag_if_supported("-Wno-unused-parameter")
        // A call that does not match include/miio_dissector.h must not build.
        .flag_if_supported("-Werror=implicit-function-declaration")
        .flag_if_supported("-Werror=incompatible-pointer-types")
        .flag_if_supported("-Werror=int-conversion")
        .compile("miio_shim");
}

const LIBCLANG_HINT: &str =
    "\nbindgen needs libclang: on Debian/Ubuntu apt-get install libclang-dev \
                              (or set LIBCLANG_PATH to the folder holding libclang.so).";

fn fail(msg: &str) -> ! {
    eprintln!("\nmiio-dissector build error: {msg}\n");
    std::process::exit(1);
}
