//! MIoT inside miIO: the properties, actions and events of
//! `get_properties`, `set_properties`, `action`, `properties_changed` and
//! `event_occured`, named from the device's spec file.
//!
//! `spec` (a spec document), `index` (model → spec URN), `spec_dir` (the
//! folder, its cache), `models` (which model each device is), `entries`
//! (the entries of a payload), `naming` (entries against a spec), `codes`
//! (result codes), `summary` (the Info column), `frame` (one frame, and what
//! the capture remembers). Pure: nothing here knows about Wireshark.

pub mod cloud;
pub mod codes;
pub mod entries;
pub mod frame;
pub mod index;
pub mod models;
pub mod naming;
pub mod spec;
pub mod spec_dir;
pub mod summary;
