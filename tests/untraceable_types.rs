//! Types whose serde implementation cannot be traced (`Layout::of_serde` is `None`): one holding
//! two types serde names alike (`Range<u32>` and `Range<f64>`; a `Place` inside another
//! `Place`), or a field whose `Deserialize` refuses every sample value (a date parsed from a
//! string). Their changes must still be seen: `#[derive(DataValue)]` falls back to the layout
//! its declaration writes, so swapping two fields is never read swapped; `serde_value!` falls
//! back to the type's name, and every job using such a type says so in its warning.
//!
//! Each case declares the same scenario over `v1::Home` and `v2::Home` (two fields swapped),
//! with task functions of the same tokens, as when only the struct is edited.

#![deny(warnings)]
#![allow(unreachable_pub, missing_docs)]

use taipy::prelude::*;
use taipy::{JobStatus, Layout, StoreError};

/// A date kept as `YYYY-MM-DD` text: its `Deserialize` parses it, so it refuses the tracer's
/// sample strings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Date(pub u32);

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        serializer.serialize_str(&format!("{:04}-{:02}-{:02}", d / 10000, d / 100 % 100, d % 100))
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let digits = text.replace('-', "");
        if digits.len() != 8 {
            return Err(serde::de::Error::custom(format!("not a date: {text:?}")));
        }
        digits.parse().map(Date).map_err(serde::de::Error::custom)
    }
}

/// A `Place` of another module, named like the `Place`s below by serde.
pub mod geo {
    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Place {
        pub lat: f64,
        pub lon: f64,
    }
}

/// Declares, in the calling module, the scenario `Trip` over its `Home`: `home` is a source
/// node, `copy` is produced from it; `name` is a source string from which `built` is produced.
macro_rules! trip {
    () => {
        use taipy::prelude::*;

        #[task]
        pub fn echo(home: &Home) -> Home {
            home.clone()
        }

        #[task]
        pub fn build(name: &str) -> Home {
            Home::sample(name)
        }

        scenario! {
            pub Trip {
                home: Home = Home::sample("Paris"),
                name: String = "Lyon".to_owned(),
                copy = echo(home),
                built = build(name),
            }
        }
    };
}

/// A field parsed from a string.
mod dated {
    pub mod v1 {
        use crate::Date;
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, taipy::DataValue)]
        pub struct Home {
            pub city: String,
            pub country: String,
            pub since: Date,
        }
        impl Home {
            pub fn sample(city: &str) -> Self {
                Self { city: city.into(), country: "France".into(), since: Date(20200131) }
            }
        }
        trip!();
    }
    pub mod v2 {
        use crate::Date;
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, taipy::DataValue)]
        pub struct Home {
            pub country: String,
            pub city: String,
            pub since: Date,
        }
        impl Home {
            pub fn sample(city: &str) -> Self {
                Self { city: city.into(), country: "France".into(), since: Date(20200131) }
            }
        }
        trip!();
    }
}

/// `Range<u32>` and `Range<f64>` in one struct.
mod spans {
    pub mod v1 {
        use std::ops::Range;
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, taipy::DataValue)]
        pub struct Home {
            pub days: Range<u32>,
            pub nights: Range<u32>,
            pub temps: Range<f64>,
        }
        impl Home {
            pub fn sample(_: &str) -> Self {
                Self { days: 1..5, nights: 7..9, temps: 0.5..2.5 }
            }
        }
        trip!();
    }
    pub mod v2 {
        use std::ops::Range;
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, taipy::DataValue)]
        pub struct Home {
            pub nights: Range<u32>,
            pub days: Range<u32>,
            pub temps: Range<f64>,
        }
        impl Home {
            pub fn sample(_: &str) -> Self {
                Self { days: 1..5, nights: 7..9, temps: 0.5..2.5 }
            }
        }
        trip!();
    }
}

/// `geo::Place` inside a struct serde also names `Place` (the scenario's node type is a
/// newtype around it, so the serde name `Place` is the outer struct's).
mod places {
    pub mod v1 {
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, taipy::DataValue)]
        #[serde(rename = "Place")]
        pub struct Home {
            pub city: String,
            pub country: String,
            pub at: crate::geo::Place,
        }
        impl Home {
            pub fn sample(city: &str) -> Self {
                Self {
                    city: city.into(),
                    country: "France".into(),
                    at: crate::geo::Place { lat: 1.0, lon: 2.0 },
                }
            }
        }
        trip!();
    }
    pub mod v2 {
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, taipy::DataValue)]
        #[serde(rename = "Place")]
        pub struct Home {
            pub country: String,
            pub city: String,
            pub at: crate::geo::Place,
        }
        impl Home {
            pub fn sample(city: &str) -> Self {
                Self {
                    city: city.into(),
                    country: "France".into(),
                    at: crate::geo::Place { lat: 1.0, lon: 2.0 },
                }
            }
        }
        trip!();
    }
}

/// Writes with `v1`, reopens with `v2` (fields swapped): the source node is refused with both
/// layouts named, never read swapped; the producer of the changed type re-runs.
macro_rules! swapped_fields_are_seen {
    ($case:ident) => {{
        use $case::{v1, v2};
        assert_eq!(Layout::of_serde::<v2::Home>(), None, "the case is one serde-reflection cannot trace");
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
            let trip = v1::Trip::create(&store, "trip").unwrap();
            trip.submit().unwrap().wait().unwrap();
            assert_eq!(trip.copy().read().unwrap(), v1::Home::sample("Paris"));
        }
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        let trip = v2::Trip::find(&store, "trip").unwrap().unwrap();
        let err = trip.home().read().expect_err("v1 bytes read as the swapped v2 struct");
        assert!(matches!(err, StoreError::LayoutChanged { .. }), "{err:?}");
        assert!(err.to_string().contains("`home`") && err.to_string().contains("write a new value"), "{err}");

        let submission = trip.submit().unwrap();
        let _ = submission.wait();
        let job = |task: &str| submission.jobs().into_iter().find(|j| j.task == task).unwrap();
        let built = job("build");
        assert_eq!(built.status, JobStatus::Completed);
        assert_eq!(built.reason.unwrap().to_string(), "type layout changed: output `built`");
        assert_eq!(trip.built().read().unwrap(), v2::Home::sample("Lyon"));
        assert_eq!(job("echo").status, JobStatus::Failed);

        trip.home().write(v2::Home::sample("Nice")).unwrap();
        trip.submit().unwrap().wait().unwrap();
        assert_eq!(trip.copy().read().unwrap(), v2::Home::sample("Nice"));
        let layout = <v2::Home as DataValue>::layout().expect("a layout");
        assert!(!layout.is_name_only(), "{layout}");
        layout
    }};
}

#[test]
fn a_field_refusing_every_sample_falls_back_to_the_declared_layout() {
    let layout = swapped_fields_are_seen!(dated);
    assert_eq!(
        layout.text(),
        "Home { country: String, city: String, since: Date } (as declared); Date: not traced"
    );
}

#[test]
fn two_types_of_one_serde_name_fall_back_to_the_declared_layout() {
    let layout = swapped_fields_are_seen!(spans);
    assert_eq!(
        layout.text(),
        "Home { nights: Range<u32>, days: Range<u32>, temps: Range<f64> } (as declared); \
         Range<u32> = Range { start: u32, end: u32 }; Range<f64> = Range { start: f64, end: f64 }"
    );
}

#[test]
fn a_place_inside_a_place_falls_back_to_the_declared_layout() {
    let layout = swapped_fields_are_seen!(places);
    assert_eq!(
        layout.text(),
        "#[serde(rename = \"Place\")] Home { country: String, city: String, at: crate::geo::Place } \
         (as declared); crate::geo::Place = Place { lat: f64, lon: f64 }"
    );
}

/// A change inside a field's type is seen too: the fields' own layouts enter the declared one.
mod nested {
    pub mod v1 {
        #[derive(serde::Serialize, serde::Deserialize)]
        pub struct Inner {
            pub a: u32,
            pub b: String,
        }
        #[derive(serde::Serialize, serde::Deserialize, taipy::DataValue)]
        pub struct Outer {
            pub on: crate::Date,
            pub inner: Inner,
        }
    }
    pub mod v2 {
        #[derive(serde::Serialize, serde::Deserialize)]
        pub struct Inner {
            pub b: String,
            pub a: u32,
        }
        #[derive(serde::Serialize, serde::Deserialize, taipy::DataValue)]
        pub struct Outer {
            pub on: crate::Date,
            pub inner: Inner,
        }
    }
}

#[test]
fn a_change_inside_a_field_type_changes_the_declared_layout() {
    let v1 = <nested::v1::Outer as DataValue>::layout().unwrap();
    let v2 = <nested::v2::Outer as DataValue>::layout().unwrap();
    assert_ne!(v1.fingerprint(), v2.fingerprint(), "{v1} / {v2}");
    assert!(v2.text().contains("Inner = Inner { b: String, a: u32 }"), "{v2}");
}

/// A recursive type that cannot be traced: its own occurrences inside are `(this type)`.
#[derive(serde::Serialize, serde::Deserialize, taipy::DataValue)]
pub enum Tree {
    Leaf(Date),
    Node(Box<Tree>, Box<Tree>),
}

#[test]
fn a_recursive_untraceable_type_has_a_declared_layout() {
    let layout = <Tree as DataValue>::layout().unwrap();
    assert_eq!(
        layout.text(),
        "enum Tree { Leaf(Date), Node(Box<Tree>, Box<Tree>) } (as declared); \
         Date: not traced; Box<Tree> = (this type)"
    );
    assert_eq!(<Tree as DataValue>::layout(), Some(layout), "cached");
}

/// A serde type of another crate's shape, made storable by `serde_value!`, that cannot be
/// traced: its layout is its type's name, and every job using it warns that its changes are not
/// detected.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    pub city: String,
    pub on: Date,
}
taipy::serde_value!(Stamp);

#[task]
fn restamp(stamp: &Stamp) -> Stamp {
    Stamp { on: Date(stamp.on.0 + 1), ..stamp.clone() }
}

scenario! {
    pub Stamps {
        first: Stamp = Stamp { city: "Oslo".into(), on: Date(20210501) },
        next = restamp(first),
    }
}

#[test]
fn an_untraceable_serde_value_is_named_and_its_jobs_warn() {
    let layout = <Stamp as DataValue>::layout().expect("a layout: the type's name");
    assert!(layout.is_name_only(), "{layout}");
    assert_eq!(layout.text(), "untraceable_types::Stamp (name only: serde-reflection cannot trace it)");

    let store = Store::temporary().unwrap();
    let stamps = Stamps::create(&store, "s").unwrap();
    let submission = stamps.submit().unwrap();
    submission.wait().unwrap();
    let job = submission.jobs().into_iter().next().unwrap();
    let warning = job.warning.expect("a warning");
    assert!(warning.contains("`untraceable_types::Stamp`") && warning.contains("not detected"), "{warning}");
    assert_eq!(stamps.next().read().unwrap().on, Date(20210502));
}
